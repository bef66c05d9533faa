"""The late-data and run-failure sensors, ticked against real warehouses (PostgreSQL and MariaDB), a real
Dagster instance and, for the webhook, a real HTTP server on 127.0.0.1.

The days are built through the real assets, from generated raw rows, relative to today: the late-data
sensor's refresh window is [today - start_offset, today).
"""

import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dagster as dg
import polars as pl
import pytest
from conftest import fresh_database, migrated
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG, RUN_KEY_TAG

from cockpit_pipelines import alerts, late_data
from cockpit_pipelines.assets import governance, usage
from cockpit_pipelines.definitions import defs
from cockpit_pipelines.generator.load import generate
from cockpit_pipelines.partitions import daily_partitions
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.sensors import late_data_sensor, retention_pressure_sensor, run_failure_alert_sensor
from cockpit_pipelines.settings import partition_start
from cockpit_pipelines.utc import today_utc

TODAY = today_utc()
FIRST, MID, LAST = (TODAY - timedelta(days=n) for n in (3, 2, 1))
OLD = TODAY - timedelta(days=10)  # outside the default 7-day refresh window
USAGE_DAILY, USAGE_MONTHLY, COMPLIANCE = (dg.AssetKey(k) for k in ("usage_daily", "usage_monthly", "compliance_scores"))
ASSETS = {a.key: a for a in (usage.usage_daily_asset, usage.usage_monthly_asset, governance.compliance_scores_asset)}


@pytest.fixture(scope="module", params=["postgres", "mariadb"])
def warehouse(request: pytest.FixtureRequest) -> Iterator[WarehouseResource]:
    """Raw rows for OLD and FIRST..LAST; usage_daily, usage_monthly and compliance_scores built for them."""
    databases = fresh_database(request.param)
    warehouse = WarehouseResource(url=migrated(next(databases)))
    generate(warehouse.engine, OLD, 1, scale=0.01, seed=5)
    generate(warehouse.engine, FIRST, 3, scale=0.01, seed=5)
    assert _materialize(list(ASSETS.values()), warehouse, tags={ASSET_PARTITION_RANGE_START_TAG: FIRST.isoformat(),
                                                                 ASSET_PARTITION_RANGE_END_TAG: LAST.isoformat()})
    assert _materialize([usage.usage_daily_asset], warehouse, partition_key=OLD.isoformat())
    yield warehouse
    next(databases, None)  # drops the database


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


def _materialize(assets: Sequence[dg.AssetsDefinition], warehouse: WarehouseResource, **kwargs: Any) -> bool:
    return dg.materialize(assets, resources={"warehouse": warehouse}, **kwargs).success


class Ticker:
    """Ticks the late-data sensor as the daemon does: each tick starts from the previous tick's cursor."""

    def __init__(self, warehouse: WarehouseResource, instance: dg.DagsterInstance) -> None:
        self.warehouse, self.instance, self.cursor = warehouse, instance, None
        self.run_keys: list[str] = []

    def tick(self) -> tuple[list[dg.RunRequest], str | None]:
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursor, definitions=defs,
                                          resources={"warehouse": self.warehouse})
        data = late_data_sensor.evaluate_tick(context)
        self.cursor = data.cursor
        requests = sorted(data.run_requests, key=lambda r: r.run_key)
        for request in requests:
            assert request.run_key not in self.run_keys, "a run_key was reused: the daemon would drop this request"
            self.run_keys.append(request.run_key)
        return requests, data.skip_message

    def execute(self, request: dg.RunRequest) -> None:
        """The requested run: its assets over its partition or range (the checks are the job's, tested elsewhere)."""
        tags = {k: v for k, v in request.tags.items()
                if k in (ASSET_PARTITION_RANGE_START_TAG, ASSET_PARTITION_RANGE_END_TAG)}
        assert _materialize([ASSETS[k] for k in request.asset_selection], self.warehouse,
                            partition_key=request.partition_key, tags=tags)

    def settle(self) -> None:
        """Run what is requested until nothing is stale."""
        for _ in range(3):
            requests, _skip = self.tick()
            if not requests:
                assert json.loads(self.cursor) == {"pending": {}}, self.cursor
                return
            for request in requests:
                self.execute(request)
        raise AssertionError(f"still stale: {self.cursor}")


def _late_usage(warehouse: WarehouseResource, at: datetime, count: int, cost: int = 7) -> list[str]:
    """`count` usage_events rows at `at` (arriving after the day was built); returns their request ids."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    frame = pl.DataFrame({
        "time": [at] * count, "org_id": [str(uuid.uuid4())] * count, "project_id": [str(uuid.uuid4())] * count,
        "request_id": ids, "event_type": ["api_call"] * count, "model": ["late-model"] * count,
        "input_tokens": [3] * count, "output_tokens": [4] * count, "cost_cents": [cost] * count,
        "status": ["success"] * count,
    }, schema={"time": pl.Datetime("us"), "org_id": pl.String, "project_id": pl.String, "request_id": pl.String,
               "event_type": pl.String, "model": pl.String, "input_tokens": pl.Int32, "output_tokens": pl.Int32,
               "cost_cents": pl.Int32, "status": pl.String})
    engine = warehouse.engine
    with engine.transaction() as conn:
        engine.insert_frame(conn, "usage_events", frame)
    return ids


def _late_violation(warehouse: WarehouseResource, at: datetime) -> None:
    standard = warehouse.query("SELECT id FROM metadata_standards WHERE is_active = TRUE ORDER BY id")[0][0]
    warehouse.execute(
        "INSERT INTO metadata_violations (id, standard_id, resource_type, resource_id, status, detected_at, "
        "auto_fix_applied) VALUES (:id, :standard, 'table', 'late_table', 'open', :at, FALSE)",
        {"id": str(uuid.uuid4()), "standard": standard, "at": at},
    )


def _at(day: Any, hour: int = 12) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)


def _daily_requests(warehouse: WarehouseResource, day: Any) -> int:
    return warehouse.query("SELECT COALESCE(SUM(request_count), 0) FROM usage_daily WHERE bucket >= :s AND bucket < :e",
                           {"s": _at(day, 0), "e": _at(day, 24)})[0][0]


# --- late data -----------------------------------------------------------------------------------------


def test_late_rows_request_their_days_again_with_downstream_assets(warehouse: WarehouseResource,
                                                                    instance: dg.DagsterInstance) -> None:
    ticker = Ticker(warehouse, instance)
    assert ticker.tick() == ([], f"no built day changed in {TODAY - timedelta(days=7)}..{LAST}")
    assert ticker.tick()[0] == []  # second tick, no change: nothing

    # late rows for a built day: that day, as one run, with usage_monthly after usage_daily
    before = _daily_requests(warehouse, MID)
    _late_usage(warehouse, _at(MID), 2)
    (first,), _ = ticker.tick()
    assert first.partition_key == MID.isoformat() and first.job_name == "nightly_analytics_job"
    assert set(first.asset_selection) == {USAGE_DAILY, USAGE_MONTHLY}
    checks = {c.asset_key.to_user_string() for c in first.asset_check_keys}
    assert {"raw/usage_events", "usage_daily", "usage_monthly"} <= checks and "compliance_scores" not in checks
    assert first.run_key.startswith(f"late_data:{MID}:{MID}:") and first.tags["cockpit/trigger"] == "late_data"
    assert ticker.tick() == ([], "1 stale partition(s) wait for their requested runs")  # requested, not rebuilt yet

    # a further change to the same day before the rebuild: a new run, under a new run_key
    third = _late_usage(warehouse, _at(MID, 13), 1)
    (second,), _ = ticker.tick()
    assert second.partition_key == MID.isoformat() and second.run_key != first.run_key
    ticker.execute(second)
    assert _daily_requests(warehouse, MID) == before + 3
    assert ticker.tick()[0] == [] and json.loads(ticker.cursor) == {"pending": {}}

    # the rows change back to the state of the first request: a new key (it replaces a newer build), never
    # dropped as a duplicate; and a late violation invalidates compliance_scores from its day to the last built
    warehouse.execute("DELETE FROM usage_events WHERE request_id = :id", {"id": third[0]})
    _late_violation(warehouse, _at(FIRST, 8))
    ranged, single = sorted(ticker.tick()[0], key=lambda r: r.partition_key or "")
    assert single.partition_key == MID.isoformat() and single.run_key not in (first.run_key, second.run_key)
    assert ranged.partition_key is None and ranged.asset_selection == [COMPLIANCE]
    assert (ranged.tags[ASSET_PARTITION_RANGE_START_TAG], ranged.tags[ASSET_PARTITION_RANGE_END_TAG]) == (
        FIRST.isoformat(), LAST.isoformat())
    for request in (ranged, single):
        ticker.execute(request)
    assert _daily_requests(warehouse, MID) == before + 2
    assert ticker.tick()[0] == []


def test_refresh_window_and_archived_days(warehouse: WarehouseResource, instance: dg.DagsterInstance,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ticker = Ticker(warehouse, instance)
    ticker.settle()
    _late_usage(warehouse, _at(OLD), 1)
    _late_usage(warehouse, _at(LAST), 1)
    assert [r.partition_key for r in ticker.tick()[0]] == [LAST.isoformat()]  # OLD is before the window

    monkeypatch.setenv(late_data.START_OFFSET_ENV, "all")
    (old,), _ = ticker.tick()  # LAST is pending; the whole history now shows OLD
    assert old.partition_key == OLD.isoformat() and set(old.asset_selection) == {USAGE_DAILY, USAGE_MONTHLY}

    # raw rows archived by retention are not late data: their day stays as built
    warehouse.execute("DELETE FROM usage_events WHERE time >= :s AND time < :e", {"s": _at(OLD, 0), "e": _at(OLD, 24)})
    warehouse.execute(
        "INSERT INTO archive_manifest (policy, table_name, range_start, range_end, cutoff, file_uri, row_count, "
        "checksum, status, created_at) VALUES ('usage_events', 'usage_events', :s, :e, :e, 'file:///archive', 1, "
        ":checksum, 'deleted', :e)",
        {"s": _at(OLD, 0), "e": _at(OLD, 24), "checksum": "0" * 64},
    )
    fresh = Ticker(warehouse, instance)
    (last,), _ = fresh.tick()
    assert last.partition_key == LAST.isoformat()
    fresh.execute(last)
    assert fresh.tick()[0] == [] and json.loads(fresh.cursor) == {"pending": {}}
    monkeypatch.delenv(late_data.START_OFFSET_ENV)


def test_rebuilds_are_contiguous_ranges_shared_by_assets() -> None:
    scope = late_data.Scope.of_job(defs.get_repository_def().get_job("nightly_analytics_job"))
    d = [FIRST + timedelta(days=i) for i in range(6)]
    stale = [("usage_daily", d[0]), ("usage_daily", d[1]), ("usage_daily", d[3]), ("token_usage_daily", d[0]),
             ("token_usage_daily", d[1]), ("compliance_scores", d[1])]
    todo = pl.DataFrame([(a, day, "f", "r", 1) for a, day in stale],
                        schema={**late_data.STALE_SCHEMA, "attempt": pl.Int64}, orient="row")
    built = pl.DataFrame({"asset_key": ["compliance_scores"] * 6, "partition_date": d})
    plans = late_data.plan_rebuilds(todo, built, scope)
    assert [(p.first, p.last, [k.to_user_string() for k in p.assets]) for p in plans] == [
        (d[0], d[1], ["token_usage_daily", "usage_daily", "usage_monthly"]),
        (d[1], d[5], ["compliance_scores"]),  # every later day counts the changed day's violations
        (d[3], d[3], ["usage_daily", "usage_monthly"]),
    ]
    assert [len(p.stale) for p in plans] == [4, 1, 1]
    assert len({p.run_key for p in plans}) == 3
    retry = late_data.plan_rebuilds(todo.with_columns(attempt=pl.lit(2, pl.Int64)), built, scope)
    assert not {p.run_key for p in retry} & {p.run_key for p in plans}


def test_sensors_that_read_the_warehouse_wait_for_its_migrations(postgres_url: str,
                                                                  instance: dg.DagsterInstance) -> None:
    """Before `cockpit migrate`, a tick skips and says why instead of failing on a missing table."""
    warehouse = WarehouseResource(url=postgres_url)
    for sensor in (late_data_sensor, retention_pressure_sensor):
        context = dg.build_sensor_context(instance=instance, definitions=defs, resources={"warehouse": warehouse})
        data = sensor.evaluate_tick(context)
        assert not data.run_requests
        assert "pending migration(s)" in (data.skip_message or ""), data.skip_message
        assert "cockpit migrate" in data.skip_message


def test_refresh_window_is_the_start_offset_before_today() -> None:
    assert late_data.refresh_window(TODAY, "") == late_data.Window.of_days(TODAY - timedelta(days=7), LAST)
    assert late_data.refresh_window(TODAY, "2") == late_data.Window.of_days(MID, LAST)
    assert late_data.refresh_window(TODAY, "all").start.date() == partition_start()
    assert late_data.refresh_window(partition_start(), "all") is None  # no complete partition yet
    for bad in ("0", "-3", "a week"):
        with pytest.raises(ValueError, match=late_data.START_OFFSET_ENV):
            late_data.refresh_window(TODAY, bad)


def test_a_failed_rebuild_is_requested_again_a_bounded_number_of_times(warehouse: WarehouseResource,
                                                                        instance: dg.DagsterInstance) -> None:
    ticker = Ticker(warehouse, instance)
    ticker.settle()
    _late_usage(warehouse, _at(FIRST, 3), 1)
    for attempt in range(1, late_data.MAX_ATTEMPTS + 1):
        (request,), _ = ticker.tick()
        assert request.partition_key == FIRST.isoformat() and request.tags["cockpit/attempt"] == str(attempt)
        assert ticker.tick()[0] == []  # while its run has not failed, it waits
        _failed_run(instance, {RUN_KEY_TAG: request.run_key})
    assert ticker.tick() == ([], f"1 stale partition(s) failed {late_data.MAX_ATTEMPTS} rebuilds")
    _late_usage(warehouse, _at(FIRST, 4), 1)  # new rows: a new state, requested again
    ticker.settle()


# --- run failures --------------------------------------------------------------------------------------


@dg.asset(partitions_def=daily_partitions)
def exploding_asset() -> None:
    raise RuntimeError("the warehouse went away")


def _failed_run(instance: dg.DagsterInstance, tags: dict[str, str],
                partition_key: str | None = None) -> dg.ExecuteInProcessResult:
    """A real failed run on the instance (a day's partition unless `tags` name a range)."""
    if partition_key is None and ASSET_PARTITION_RANGE_START_TAG not in tags:
        partition_key = LAST.isoformat()
    result = dg.materialize([exploding_asset], instance=instance, tags=tags, partition_key=partition_key,
                            raise_on_error=False)
    assert not result.success
    return result


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(self.server.reply)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.received, server.reply = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _alert_rows(warehouse: WarehouseResource, run_id: str) -> list[tuple]:
    return warehouse.query("SELECT job_name, kind, message, details, webhook_status, created_at FROM pipeline_alerts "
                           "WHERE run_id = :run_id", {"run_id": run_id})


def _json(value: str | dict) -> dict:
    """A JSON column's value (psycopg parses json, the MySQL drivers return text)."""
    return value if isinstance(value, dict) else json.loads(value)


def _on_failure(warehouse: WarehouseResource, instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> None:
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_alert_sensor.name, dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(), resources={"warehouse": warehouse},
    )
    run_failure_alert_sensor(context.for_run_failure())


def test_run_failure_records_an_alert_and_posts_the_webhook(warehouse: WarehouseResource,
                                                             instance: dg.DagsterInstance,
                                                             webhook: ThreadingHTTPServer,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{webhook.server_port}/hooks/T0KEN-s3cret?signature=s3cret"
    monkeypatch.setenv(alerts.WEBHOOK_ENV, url)
    result = _failed_run(instance, {ASSET_PARTITION_RANGE_START_TAG: FIRST.isoformat(),
                                    ASSET_PARTITION_RANGE_END_TAG: LAST.isoformat()})
    run_id = result.dagster_run.run_id
    _on_failure(warehouse, instance, result)

    ((job, kind, message, details, status, created_at),) = _alert_rows(warehouse, run_id)
    assert (job, kind, status) == ("__ephemeral_asset_job__", "run_failure", "delivered (HTTP 200)")
    assert message == (f"__ephemeral_asset_job__ run {run_id[:8]} for {FIRST}..{LAST} failed: "
                       "exploding_asset: RuntimeError: the warehouse went away")
    assert created_at is not None
    details = _json(details)
    assert details["partition_range"] == {"start": FIRST.isoformat(), "end": LAST.isoformat()}
    assert [s["step"] for s in details["failed_steps"]] == ["exploding_asset"]
    assert details["failed_steps"][0]["error_class"] == "RuntimeError"

    ((path, content_type, payload),) = webhook.received
    assert path == "/hooks/T0KEN-s3cret?signature=s3cret" and content_type == "application/json"
    assert payload["run_id"] == run_id and payload["kind"] == "run_failure" and payload["message"] == message
    assert payload["failed_steps"] == details["failed_steps"]
    output = capsys.readouterr()
    assert "s3cret" not in output.out + output.err
    assert f"http://127.0.0.1:{webhook.server_port}/…" in output.out + output.err

    _on_failure(warehouse, instance, result)  # a repeated tick: no second row, no second POST
    assert len(_alert_rows(warehouse, run_id)) == 1 and len(webhook.received) == 1


def test_a_webhook_failure_is_recorded_never_raised(warehouse: WarehouseResource, instance: dg.DagsterInstance,
                                                    webhook: ThreadingHTTPServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    webhook.reply = 500
    monkeypatch.setenv(alerts.WEBHOOK_ENV, f"http://127.0.0.1:{webhook.server_port}/hook")
    refused = _failed_run(instance, {})
    _on_failure(warehouse, instance, refused)
    ((_, _, message, details, status, _),) = _alert_rows(warehouse, refused.dagster_run.run_id)
    assert status == "failed (HTTP 500)" and _json(details)["partition"] == LAST.isoformat()
    assert f"for {LAST} failed" in message

    webhook.shutdown()
    webhook.server_close()
    monkeypatch.setenv(alerts.WEBHOOK_ENV, f"http://127.0.0.1:{webhook.server_port}/hook")
    unreachable = _failed_run(instance, {})
    _on_failure(warehouse, instance, unreachable)
    assert _alert_rows(warehouse, unreachable.dagster_run.run_id)[0][4] == "failed (ConnectionRefusedError)"

    monkeypatch.delenv(alerts.WEBHOOK_ENV)
    silent = _failed_run(instance, {})
    _on_failure(warehouse, instance, silent)
    assert _alert_rows(warehouse, silent.dagster_run.run_id)[0][4] is None


def test_the_webhook_goes_out_when_the_warehouse_is_down(instance: dg.DagsterInstance,
                                                         webhook: ThreadingHTTPServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(alerts.WEBHOOK_ENV, f"http://127.0.0.1:{webhook.server_port}/hook")
    gone = WarehouseResource(url=f"postgresql+psycopg://postgres@127.0.0.1:1/cockpit_{uuid.uuid4().hex[:8]}")
    result = _failed_run(instance, {})
    _on_failure(gone, instance, result)
    ((_, _, payload),) = webhook.received
    assert payload["run_id"] == result.dagster_run.run_id and payload["partition"] == LAST.isoformat()


def test_webhook_urls_are_shown_without_their_secrets() -> None:
    assert alerts.redacted("https://user:pw@hooks.example.com:8443/services/T0/B1/XYZ?token=abc") == (
        "https://hooks.example.com:8443/…")
    assert alerts.post_webhook("file:///etc/passwd", {}) == "failed (not an http(s) URL)"
