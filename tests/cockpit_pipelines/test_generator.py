"""The synthetic generator: contract-shaped, deterministic, FK-consistent, idempotent per day, on real databases."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import dagster as dg
import polars as pl
import pytest
from conftest import fresh_database, migrated

from cockpit_pipelines.assets.raw import raw_key, raw_tables_observation_sensor
from cockpit_pipelines.cli.generate import run_generate
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.generator.conform import for_engine
from cockpit_pipelines.generator.load import (
    Chunk,
    day_frames,
    days,
    ensure_partitions,
    generate,
    load_chunks,
    load_reference,
    prepare_chunks,
    raw_tables,
    read_standards,
    reference_frames,
)
from cockpit_pipelines.generator.reference import build_reference
from cockpit_pipelines.landing import Parsed, check_rows, no_malformed
from cockpit_pipelines.resources import WarehouseResource

DAY = date(2026, 3, 30)
SCALE = 0.02
STANDARDS = pl.DataFrame({"id": ["ts-001-zulu", "nm-001-kebab"], "category": ["temporal", "nomenclature"],
                          "enforcement_level": ["error", "warning"]})


@pytest.fixture(scope="module", params=("postgres", "mariadb"))
def shared_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """One migrated database per engine for this module's tests (they tolerate each other's rows)."""
    for url in fresh_database(request.param):
        yield migrated(url)


@pytest.fixture(scope="module")
def shared_postgres() -> Iterator[str]:
    for url in fresh_database("postgres"):
        yield migrated(url)


@pytest.fixture(params=("postgres", "mariadb"))
def two_fresh_databases(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """Two fresh, migrated databases on the same engine (for comparing two generations)."""
    for first in fresh_database(request.param):
        for second in fresh_database(request.param):
            yield migrated(first), migrated(second)


# -- without a database ----------------------------------------------------------------------------
def test_every_generated_row_meets_its_contract() -> None:
    """Reference and raw frames pass the landing zone's own contract rules (types, NULLs, values, ranges)."""
    ref = build_reference(7, STANDARDS)
    frames = {**reference_frames(build_reference(7, STANDARDS)), **day_frames(7, DAY, SCALE, ref)}
    assert {t.name for t in raw_tables(contracts())} <= frames.keys()
    now = datetime(2030, 1, 1)
    for name, frame in frames.items():
        table = contracts().table(name)
        assert frame.columns == [c.name for c in table.columns if not c.generated], name
        checked = check_rows(table, Parsed(frame.with_row_index("__line").cast({"__line": pl.Int64}),
                                           no_malformed(), []), now=now)
        broken = {f"{r.name}:{r.column}": int(r.mask.sum()) for r in checked.rules if r.mask.any()}
        assert not broken, f"{name}: {broken}"


def test_volumes_and_shapes_at_scale_one() -> None:
    ref = build_reference(7, STANDARDS)
    frames = day_frames(7, DAY, 1.0, ref)
    assert frames["ai_dialogue_log"].height == 10_000
    assert frames["usage_events"].height == 50_000
    usage = frames["usage_events"]
    success = (usage["status"] == "success").mean()
    assert 0.94 < success < 0.96
    errors = usage.filter(pl.col("status") != "success")
    assert errors["error_code"].null_count() == 0
    assert usage["user_id"].null_count() > 0 and usage["latency_ms"].null_count() > 0
    dialogues = frames["ai_dialogue_log"]
    assert (dialogues["citations"] == "[]").sum() > 0 and dialogues["citations"].null_count() > 0
    assert dialogues["user_feedback"].null_count() > 0 and set(dialogues["user_feedback"].drop_nulls()) == {-1, 0, 1}
    latency = dialogues["latency_ms"].drop_nulls()
    assert latency.quantile(0.99) > 3 * latency.median()  # long tail
    buckets = dict(frames["metrics"]["time_bucket"].value_counts().rows())
    assert buckets.keys() == {"00:05:00", "00:01:00", "01:00:00"}
    assert buckets["00:05:00"] > buckets["00:01:00"] + buckets["01:00:00"]
    violations = frames["metadata_violations"]
    assert set(violations["status"]) == {"open", "resolved", "suppressed"}
    resolved = violations.filter(pl.col("status") == "resolved")
    assert (resolved["resolved_at"] > resolved["detected_at"]).all()
    assert (resolved["resolved_at"].dt.date() > DAY).any()  # some were resolved on a later day
    assert violations.filter(pl.col("status") != "resolved")["resolved_at"].null_count() == violations.filter(
        pl.col("status") != "resolved").height
    # Text instants and dates inside JSON payloads, for the metadata compliance scan: mostly as the
    # standards require (ts-001-zulu, ts-002-iso-date), a few not.
    zulu = r'"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z"'
    other = r'"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\+09:00)?"'
    for table, column in (("events", "payload"), ("events", "metadata"), ("audit_logs", "metadata"),
                          ("audit_logs", "changes")):
        values = frames[table][column].drop_nulls()
        compliant, not_compliant = values.str.count_matches(zulu).sum(), values.str.count_matches(other).sum()
        assert compliant > 0.1 * values.len() and 0 < not_compliant < 0.05 * compliant, (table, column)
    dates = pl.concat([frames["events"]["payload"], frames["audit_logs"]["changes"].drop_nulls()])
    iso, slashed = dates.str.count_matches(r'"\d{4}-\d{2}-\d{2}"').sum(), dates.str.count_matches(r'"[\d/]{10}"').sum()
    assert iso > 0 and 0 < slashed < 0.1 * iso
    provenance = frames["provenance"]
    expired = provenance.filter(
        pl.col("acquired_at").dt.offset_by(pl.format("{}y", pl.col("retention_years"))) < datetime(2026, 3, 30))
    assert expired.height > 0  # the provenance expiry job has rows to find


def test_the_same_seed_gives_the_same_frames_and_another_seed_does_not() -> None:
    ref = build_reference(11, STANDARDS)
    first = day_frames(11, DAY, SCALE, ref)
    again = day_frames(11, DAY, SCALE, build_reference(11, STANDARDS))
    other = day_frames(12, DAY, SCALE, build_reference(12, STANDARDS))
    for name, frame in first.items():
        assert frame.equals(again[name]), name
    assert not first["usage_events"].equals(other["usage_events"])


# -- on the databases ------------------------------------------------------------------------------
def test_same_seed_gives_identical_tables_on_two_fresh_databases(two_fresh_databases: tuple[str, str]) -> None:
    tables = []
    for url in two_fresh_databases:
        engine = engine_for(url)
        generate(engine, DAY + timedelta(days=1), 1, scale=SCALE, seed=11)
        generate(engine, DAY, 1, scale=SCALE, seed=11)  # days in any order
        tables.append(_tables(engine))
    first, second = tables
    assert first.keys() == second.keys()
    for name, frame in first.items():
        assert frame.equals(second[name]), f"{name} differs between two generations with seed 11"
    assert first["usage_events"].height > 0 and first["ai_dialogue_log"].height > 0


def _tables(engine) -> dict[str, pl.DataFrame]:
    """Every table the generator fills, ordered by all its columns (audit rows written by the seed-003
    triggers carry the wall-clock time and are left out)."""
    ref = build_reference(11, read_standards(engine))
    names = [t.name for t in raw_tables(contracts())] + list(ref.frames)
    frames = {}
    for name in names:
        where = "WHERE id >= 1000000000000" if name == "audit_logs" else ""
        frame = engine.read_frame(f"SELECT * FROM {name} {where}")
        frames[name] = frame.sort(frame.columns, nulls_last=True)
    return frames


def test_foreign_keys_hold_hard_and_soft(shared_server: str) -> None:
    engine = engine_for(shared_server)
    report = generate(engine, DAY, 2, scale=SCALE, seed=5)
    assert report.facts["usage_events"] > 0
    catalog = contracts()
    checked = 0
    for table in catalog.tables.values():
        for col in table.columns:
            if not col.references or table.kind not in ("raw", "reference"):
                continue
            parent, key = col.references.split(".", 1)
            orphans = engine.scalar(
                f"SELECT count(*) FROM {table.name} c WHERE c.{_q(engine, col.name)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {parent} p WHERE p.{_q(engine, key)} = c.{_q(engine, col.name)})"
            )
            assert orphans == 0, f"{table.name}.{col.name} → {col.references}: {orphans} orphans"
            checked += 1
    assert checked >= 20
    # Links the contracts leave as plain values: MCP calls point at the day's API calls, correlations at
    # events that happened at or before them, usage rows at the project's organization.
    assert engine.scalar(
        "SELECT count(*) FROM mcp_usage m WHERE NOT EXISTS (SELECT 1 FROM usage_events u "
        "WHERE u.request_id = m.parent_request_id AND u.mcp_server_id = m.server_id)") == 0
    ts = _q(engine, "timestamp")
    assert engine.scalar(
        f"SELECT count(*) FROM correlations c JOIN events e ON e.id IN (c.primary_event_id, c.related_event_id) "
        f"WHERE e.{ts} > c.{ts}") == 0
    assert engine.scalar(
        "SELECT count(*) FROM usage_events u JOIN projects p ON p.id = u.project_id WHERE p.org_id <> u.org_id") == 0


def _q(engine, column: str) -> str:
    return f'"{column}"' if engine.family == "postgresql" else f"`{column}`"


def test_regenerating_days_replaces_them_without_duplicates(shared_server: str) -> None:
    engine = engine_for(shared_server)
    generate(engine, DAY, 2, scale=SCALE, seed=3)
    before = {t.name: engine.scalar(f"SELECT count(*) FROM {t.name}") for t in raw_tables(contracts())}
    again = generate(engine, DAY + timedelta(days=1), 1, scale=SCALE, seed=3)
    generate(engine, DAY, 1, scale=SCALE, seed=3)
    after = {t.name: engine.scalar(f"SELECT count(*) FROM {t.name}") for t in raw_tables(contracts())}
    assert after == before
    assert sum(again.reference.values()) == 0  # reference rows are loaded once per seed
    assert engine.scalar("SELECT count(*) - count(DISTINCT id) FROM ai_dialogue_log") == 0
    assert engine.scalar("SELECT count(*) - count(DISTINCT request_id) FROM usage_events") == 0
    assert load_reference(engine, reference_frames(build_reference(3, read_standards(engine)))) == dict.fromkeys(
        reference_frames(build_reference(3, read_standards(engine))), 0)


def test_generate_command_loads_and_reports(shared_postgres: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COCKPIT_WAREHOUSE_URL", shared_postgres)
    args = argparse.Namespace(start=str(DAY), days=1, scale=SCALE, seed=9, to_landing=None)
    assert run_generate(args) == 0
    out = capsys.readouterr().out
    assert "raw rows:" in out and "usage_events" in out
    bad = argparse.Namespace(start="30/03/2026", days=1, scale=SCALE, seed=9, to_landing=None)
    assert run_generate(bad) == 2


def test_raw_tables_are_observed_with_row_counts_and_newest_time(shared_postgres: str) -> None:
    engine = engine_for(shared_postgres)
    generate(engine, DAY, 1, scale=SCALE, seed=2)
    context = dg.build_sensor_context(resources={"warehouse": WarehouseResource(url=shared_postgres)})
    result = raw_tables_observation_sensor(context)
    events = {e.asset_key: e for e in result.asset_events}
    usage = events[raw_key("usage_events")]
    assert usage.metadata["dagster/row_count"].value == engine.scalar("SELECT count(*) FROM usage_events")
    newest = usage.metadata["newest_timestamp"].value
    assert DAY.isoformat() <= datetime.fromtimestamp(newest).date().isoformat() <= (DAY + timedelta(days=1)).isoformat()
    # Unchanged tables are not reported again.
    repeat = raw_tables_observation_sensor(dg.build_sensor_context(
        cursor=result.cursor, resources={"warehouse": WarehouseResource(url=shared_postgres)}))
    assert repeat.asset_events == []


# -- fresh months on PostgreSQL: partitions built whole ---------------------------------------------
@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    for url in fresh_database("postgres"):
        yield migrated(url)


def _partition_state(engine, month: date) -> dict[str, tuple[int, int]]:
    """Per partitioned raw table: (indexes of the month's partition attached to the parent's, the parent's
    indexes); a partition that does not exist is left out."""
    state = {}
    for table in raw_tables(contracts()):
        if not table.partitioned:
            continue
        name = f"{table.name}_p{month:%Y%m}"
        if not engine.scalar("SELECT to_regclass(:n) IS NOT NULL", {"n": name}):
            continue
        attached = engine.scalar(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = CAST(:n AS regclass) AND c.relispartition", {"n": name})
        state[table.name] = (attached, engine.scalar(
            "SELECT count(*) FROM pg_index WHERE indrelid = CAST(:t AS regclass)", {"t": table.name}))
    return state


def test_chunks_are_fresh_months_on_postgresql_and_days_on_the_mysql_family(shared_server: str) -> None:
    engine = engine_for(shared_server)
    dates = [date(2027, 1, 10), date(2027, 1, 11)]
    partitioned = tuple(t.name for t in raw_tables(contracts()) if t.partitioned)
    expected = [Chunk(tuple(dates), partitioned)] if engine.family == "postgresql" else [Chunk((d,)) for d in dates]
    assert prepare_chunks(engine, dates) == expected


@pytest.fixture
def two_fresh_postgres() -> Iterator[tuple[str, str]]:
    for first in fresh_database("postgres"):
        for second in fresh_database("postgres"):
            yield migrated(first), migrated(second)


def test_a_fresh_month_builds_its_partitions_and_loads_what_day_by_day_loads(
        two_fresh_postgres: tuple[str, str]) -> None:
    """Across a month boundary: the first database gets fresh months (partitions built whole, indexed by
    sort, attached), the second the same days one transaction each into partitions made beforehand;
    both hold the same rows, and the built partitions carry every index of their parent, attached."""
    bulk, daily = (engine_for(url) for url in two_fresh_postgres)
    first, count = DAY, 4  # 30 March .. 2 April
    assert [c.days for c in prepare_chunks(bulk, list(days(first, count)))] == [
        (DAY, DAY + timedelta(days=1)), (DAY + timedelta(days=2), DAY + timedelta(days=3))]
    generate(bulk, first, count, scale=SCALE, seed=11)
    ensure_partitions(daily, first, first + timedelta(days=count - 1))
    assert prepare_chunks(daily, list(days(first, count))) == [Chunk((d,)) for d in days(first, count)]
    generate(daily, first, count, scale=SCALE, seed=11)
    built, made = _tables(bulk), _tables(daily)
    for name, frame in built.items():
        assert frame.equals(made[name]), f"{name}: a fresh month loads other rows than day by day"
    for month in (date(2026, 3, 1), date(2026, 4, 1)):
        state = _partition_state(bulk, month)
        assert len(state) == sum(1 for t in raw_tables(contracts()) if t.partitioned)
        assert all(attached == parent for attached, parent in state.values()), state
    assert bulk.scalar("SELECT count(*) FROM pg_constraint WHERE conname LIKE '%\\_bounds'") == 0


def test_a_failure_in_a_fresh_month_leaves_nothing_of_it_and_a_rerun_loads_it(fresh_postgres: str) -> None:
    engine = engine_for(fresh_postgres)
    ref = build_reference(5, read_standards(engine))
    load_reference(engine, reference_frames(ref))
    month = list(days(date(2026, 5, 1), 3))
    chunks = prepare_chunks(engine, month)
    assert chunks == [Chunk(tuple(month), tuple(t.name for t in raw_tables(contracts()) if t.partitioned))]

    def failing(day: date) -> dict[str, pl.DataFrame]:
        if day == month[-1]:
            raise RuntimeError("generator crashed on the month's last day")
        return day_frames(5, day, SCALE, ref)

    written: list[date] = []
    with pytest.raises(RuntimeError, match="last day"):
        load_chunks(engine, chunks, failing, lambda day, _: written.append(day))
    assert written == month[:2]  # two days were written, then rolled back with the month
    assert _partition_state(engine, month[0]) == {}
    for table in raw_tables(contracts()):  # (audit_logs also holds the rows its triggers wrote, stamped now)
        kept = engine.scalar(f'SELECT count(*) FROM {table.name} WHERE "{table.time_column}" >= :lo '
                             f'AND "{table.time_column}" < :hi', {"lo": month[0], "hi": date(2026, 6, 1)})
        assert kept == 0, f"{table.name} kept {kept} rows of a failed month"
    report = generate(engine, month[0], len(month), scale=SCALE, seed=5)
    assert report.facts["usage_events"] == engine.scalar("SELECT count(*) FROM usage_events_p202605") > 0


def test_a_month_with_rows_already_in_the_default_partition_loads_day_by_day(fresh_postgres: str) -> None:
    """Rows of the month in a DEFAULT partition (loaded before its partition existed) rule out building
    the partition whole: the days load one by one, after `ensure_month_partitions` moves those rows."""
    engine = engine_for(fresh_postgres)
    ref = build_reference(5, read_standards(engine))
    load_reference(engine, reference_frames(ref))
    frames = day_frames(5, DAY, SCALE, ref)
    with engine.transaction() as conn:
        engine.insert_frame(conn, "usage_events", for_engine(frames["usage_events"], "postgresql"))
    assert engine.new_month_partitions(["usage_events", "mcp_usage"], DAY.replace(day=1)) == ["mcp_usage"]
    chunks = prepare_chunks(engine, [DAY])
    assert chunks == [Chunk((DAY,), tuple(t.name for t in raw_tables(contracts())
                                          if t.partitioned and t.name != "usage_events"))]
    load_chunks(engine, chunks, lambda day: day_frames(5, day, SCALE, ref), lambda *_: None)
    assert engine.scalar("SELECT count(*) FROM usage_events_default") == 0
    assert engine.scalar("SELECT count(*) FROM usage_events_p202603") == frames["usage_events"].height


def test_a_month_first_loaded_mid_month_gets_a_whole_month_partition_and_its_earlier_days_go_there(
        fresh_postgres: str) -> None:
    """A fresh month built from its 30th covers the whole month; the 29th, loaded after, is written into
    it directly (not through the partitioned table, and not into DEFAULT)."""
    engine = engine_for(fresh_postgres)
    generate(engine, DAY, 1, scale=SCALE, seed=3)
    generate(engine, DAY - timedelta(days=1), 1, scale=SCALE, seed=3)
    bounds = engine.scalar("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'usage_events_p202603'")
    assert bounds == "FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00')"
    assert engine.scalar("SELECT count(*) FROM usage_events_default") == 0
    assert engine.scalar("SELECT count(DISTINCT CAST(\"time\" AS date)) FROM usage_events_p202603") == 2


def test_load_transaction_stores_what_insert_frame_stores(shared_postgres: str) -> None:
    """The generator's load transaction on PostgreSQL (binary COPY through ADBC) and
    `insert_frame` (as the landing zone loads) store the same rows, for every raw table."""
    engine = engine_for(shared_postgres)
    ref = build_reference(2, read_standards(engine))
    load_reference(engine, reference_frames(ref))
    frames = {name: for_engine(frame, "postgresql") for name, frame in day_frames(2, DAY, SCALE, ref).items()}
    pairs = {name: (f"load_{name}", f"csv_{name}") for name in frames}
    try:
        for name, (_, text) in pairs.items():
            engine.execute(f"CREATE TABLE {text} (LIKE {name} INCLUDING DEFAULTS INCLUDING GENERATED)")
        with engine.load_transaction() as load:
            for name, frame in frames.items():
                load.execute(f"CREATE TABLE {pairs[name][0]} (LIKE {name} INCLUDING DEFAULTS INCLUDING GENERATED)")
                assert load.insert(pairs[name][0], frame) == frame.height
        with engine.transaction() as conn:
            for name, frame in frames.items():
                engine.insert_frame(conn, pairs[name][1], frame)
        for name, (loaded, text) in pairs.items():
            assert engine.scalar(f"SELECT count(*) FROM {loaded}") == frames[name].height > 0
            for one, other in ((loaded, text), (text, loaded)):
                differ = engine.scalar(f"SELECT count(*) FROM (SELECT * FROM {one} EXCEPT ALL SELECT * FROM {other}) d")
                assert differ == 0, f"{name}: {differ} rows of {one} are not in {other}"
    finally:
        for copy in [c for pair in pairs.values() for c in pair]:
            engine.execute(f"DROP TABLE IF EXISTS {copy}")
