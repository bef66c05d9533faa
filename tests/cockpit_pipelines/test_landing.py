"""Landing zone: contract checks with quarantine, exactly-once loading, crash safety, sensor and job."""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from conftest import fresh_database, migrated

from cockpit_pipelines.cli import main as cli_main
from cockpit_pipelines.cli.generate import run_generate
from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.generator.load import load_reference, read_standards, reference_frames, write_landing
from cockpit_pipelines.generator.reference import build_reference
from cockpit_pipelines.landing import (
    IngestResult,
    LandingFile,
    by_table,
    ingest_file,
    ingest_paths,
    landing_files,
)
from cockpit_pipelines.resources import WarehouseResource

SEED = 4
NOW = datetime(2026, 4, 1, 12, 0, 0)
GOOD = "00000000-0000-4000-8000-0000000000{:02d}"


@pytest.fixture(scope="module", params=("postgres", "mariadb"))
def landing_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated warehouse per engine holding the reference rows of SEED, shared by this module."""
    for url in fresh_database(request.param):
        engine = engine_for(migrated(url))
        load_reference(engine, reference_frames(build_reference(SEED, read_standards(engine))))
        yield url


@pytest.fixture
def warehouse(landing_db: str) -> Engine:
    """The shared warehouse with no landing history and no dialogue rows."""
    engine = engine_for(landing_db)
    for table in ("ingest_quarantine", "ingest_ledger", "ai_dialogue_log"):
        engine.execute(f"DELETE FROM {table}")
    return engine


def _row(engine: Engine, i: int, **overrides: object) -> dict[str, object]:
    """A valid ai_dialogue_log row as text (id number `i`), with `overrides`."""
    row = {
        "id": GOOD.format(i), "user_id": str(engine.scalar("SELECT id FROM users ORDER BY email LIMIT 1")),
        "session_id": GOOD.format(99),
        "query": "How?", "response": "Like this.", "model_used": "claude-sonnet-4-5",
        "created_at": "2026-03-30T10:00:00Z", "updated_at": "2026-03-30 10:00:00",
        "citations": '[{"source": "kb/faq", "confidence": 0.9}]', "latency_ms": "1200",
        "token_cost_jpy": "1.25", "relevance_score": "0.8", "user_feedback": "1",
    }
    row.update(overrides)
    return row


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String)).write_csv(path)
    return path


def _count(engine: Engine, table: str, where: str = "") -> int:
    return engine.scalar(f"SELECT count(*) FROM {table} {where}")


def test_each_class_of_bad_row_is_quarantined_with_its_reason(warehouse: Engine, tmp_path: Path) -> None:
    engine = warehouse
    existing = _csv(tmp_path / "first" / "ai_dialogue_log" / "seed.csv", [_row(engine, 90)])
    assert ingest_file(engine, existing, now=NOW).rows_loaded == 1
    rows = [
        _row(engine, 1),                                                        # line 2: good
        _row(engine, 2, id="not-a-uuid"),                                       # type
        _row(engine, 3, latency_ms="fast"),                                     # type
        _row(engine, 4, query=None),                                            # not_null
        _row(engine, 5, user_feedback="2"),                                     # values
        _row(engine, 6, relevance_score="-0.5"),                                # min
        _row(engine, 7, relevance_score="1.5"),                                 # max
        _row(engine, 8, model_used="m" * 101),                                  # max_length
        _row(engine, 9, citations="[{broken"),                                  # json
        _row(engine, 10, created_at="2026-04-01T12:30:00Z"),                    # future_timestamp (skew 300 s)
        _row(engine, 11, user_id=GOOD.format(77)),                              # foreign_key
        _row(engine, 1),                                                        # duplicate_key (line 2)
        _row(engine, 90),                                                       # duplicate_key (in the table)
        _row(engine, 12, created_at="2026-04-01T12:04:00Z", citations=None),    # good: within the skew
    ]
    path = _csv(tmp_path / "ai_dialogue_log" / "mixed.csv", rows)
    result = ingest_file(engine, path, now=NOW)
    assert result.status == "loaded"
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (14, 2, 12)
    assert result.rows_loaded + result.rows_quarantined == result.rows_total
    quarantined = {r[0]: r[1:] for r in engine.query(
        "SELECT line_number, rule, column_name, raw_value, reason FROM ingest_quarantine "
        "WHERE file_checksum = :c ORDER BY line_number", {"c": result.file.checksum})}
    expected = {3: ("type", "id"), 4: ("type", "latency_ms"), 5: ("not_null", "query"), 6: ("values", "user_feedback"),
                7: ("min", "relevance_score"), 8: ("max", "relevance_score"), 9: ("max_length", "model_used"),
                10: ("json", "citations"), 11: ("future_timestamp", "created_at"), 12: ("foreign_key", "user_id"),
                13: ("duplicate_key", "id"), 14: ("duplicate_key", "id")}
    assert {line: q[:2] for line, q in quarantined.items()} == expected
    for line, (rule, _, _, reason) in quarantined.items():
        assert reason.startswith(f"ai_dialogue_log line {line}: ") and f"[{rule}]" in reason
    assert quarantined[6][2] == "2" and "is not one of -1, 0, 1" in quarantined[6][3]
    assert quarantined[3][2] == "not-a-uuid"
    raw_row = engine.scalar("SELECT raw_row FROM ingest_quarantine WHERE file_checksum = :c AND line_number = 6",
                            {"c": result.file.checksum})
    assert (json.loads(raw_row) if isinstance(raw_row, str) else raw_row)["user_feedback"] == "2"
    assert _count(engine, "ai_dialogue_log") == 3
    ledger = engine.query("SELECT status, rows_total, rows_loaded, rows_quarantined FROM ingest_ledger "
                          "WHERE file_checksum = :c", {"c": result.file.checksum})
    assert ledger == [("loaded", 14, 2, 12)]


def test_missing_required_column_and_malformed_jsonl_lines(warehouse: Engine, tmp_path: Path) -> None:
    engine = warehouse
    lines = [json.dumps(_row(engine, 20)), "{not json", "", json.dumps(_row(engine, 21, user_feedback=0)), "[1, 2]"]
    path = tmp_path / "ai_dialogue_log" / "batch.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n")
    result = ingest_file(engine, path, now=NOW)
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    rules = engine.query("SELECT line_number, rule FROM ingest_quarantine WHERE file_checksum = :c "
                         "ORDER BY line_number", {"c": result.file.checksum})
    assert rules == [(2, "malformed_line"), (5, "malformed_line")]

    no_query = [{k: v for k, v in _row(engine, i).items() if k != "query"} for i in (30, 31)]
    missing = ingest_file(engine, _csv(tmp_path / "ai_dialogue_log" / "no_query.csv", no_query), now=NOW)
    assert (missing.rows_loaded, missing.rows_quarantined) == (0, 2)
    assert missing.rules == {"not_null": 2}


def test_parquet_csv_and_jsonl_load_the_same_rows(warehouse: Engine, tmp_path: Path) -> None:
    engine = warehouse
    frame = pl.DataFrame([_row(engine, 40 + i) for i in range(3)])
    typed = frame.with_columns(
        pl.col("created_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"),
        pl.col("latency_ms").cast(pl.Int32), pl.col("relevance_score").cast(pl.Float64),
        pl.col("user_feedback").cast(pl.Int64),
    )
    (tmp_path / "ai_dialogue_log").mkdir()
    targets = {
        "parquet": (typed, "rows.parquet"),
        "csv": (frame.with_columns(pl.col("id").str.replace("0000-4000", "0000-4001")), "rows.csv"),
        "jsonl": (frame.with_columns(pl.col("id").str.replace("0000-4000", "0000-4002")), "rows.jsonl"),
    }
    for fmt, (data, name) in targets.items():
        path = tmp_path / "ai_dialogue_log" / name
        {"parquet": data.write_parquet, "csv": data.write_csv, "jsonl": data.write_ndjson}[fmt](path)
        result = ingest_file(engine, path, now=NOW)
        assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 0), fmt
    rows = engine.query("SELECT created_at, latency_ms, relevance_score, user_feedback FROM ai_dialogue_log "
                        "WHERE session_id = :s", {"s": GOOD.format(99)})
    assert len(rows) == 9 and len(set(rows)) == 1
    assert rows[0][0] == datetime(2026, 3, 30, 10, 0)


def test_the_same_bytes_load_once(warehouse: Engine, tmp_path: Path) -> None:
    engine = warehouse
    path = _csv(tmp_path / "ai_dialogue_log" / "once.csv", [_row(engine, 50), _row(engine, 51, user_feedback="7")])
    first = ingest_file(engine, path, now=NOW)
    copy = _csv(tmp_path / "again" / "ai_dialogue_log" / "once_again.csv",
                [_row(engine, 50), _row(engine, 51, user_feedback="7")])
    second = ingest_file(engine, copy, now=NOW)
    assert first.status == "loaded" and second.status == "duplicate"
    assert _count(engine, "ai_dialogue_log") == 1
    assert _count(engine, "ingest_quarantine") == 1
    assert _count(engine, "ingest_ledger") == 1


def test_a_crash_mid_file_leaves_nothing_and_a_rerun_finishes(warehouse: Engine, tmp_path: Path) -> None:
    engine = warehouse
    path = _csv(tmp_path / "ai_dialogue_log" / "crash.csv",
                [_row(engine, 60), _row(engine, 61), _row(engine, 62, user_feedback="9")])

    def fail() -> None:
        raise RuntimeError("injected failure after the inserts")

    crashed = ingest_file(engine, path, now=NOW, before_commit=fail)
    assert crashed.status == "failed" and "injected failure" in crashed.error
    assert (_count(engine, "ai_dialogue_log"), _count(engine, "ingest_quarantine")) == (0, 0)
    assert engine.query("SELECT status FROM ingest_ledger") == [("failed",)]

    class Killed(BaseException):
        """Like the process dying: nothing in ingest_file gets to record the failure."""

    def kill() -> None:
        raise Killed

    with pytest.raises(Killed):
        ingest_file(engine, path, now=NOW, before_commit=kill)
    assert engine.query("SELECT status FROM ingest_ledger") == [("in_progress",)]
    assert _count(engine, "ai_dialogue_log") == 0

    rerun = ingest_file(engine, path, now=NOW)
    assert (rerun.status, rerun.rows_loaded, rerun.rows_quarantined) == ("loaded", 2, 1)
    assert engine.query("SELECT status, rows_loaded FROM ingest_ledger") == [("loaded", 2)]
    assert _count(engine, "ai_dialogue_log") == 2


def test_generate_to_landing_then_ingest_loads_everything(server_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`cockpit generate --to-landing` files, loaded by `cockpit ingest` in foreign-key order: all rows land."""
    engine = engine_for(migrated(server_url))
    monkeypatch.setenv("COCKPIT_WAREHOUSE_URL", server_url)
    assert run_generate(argparse.Namespace(start="2026-03-30", days=1, scale=0.02, seed=SEED,
                                           to_landing=str(tmp_path))) == 0
    files = [path for _, path in landing_files(tmp_path)]
    assert all(path.suffix == ".parquet" for path in files)
    assert files.index(tmp_path / "users" / f"users__s{SEED}.parquet") < files.index(
        tmp_path / "ai_dialogue_log" / f"ai_dialogue_log__2026-03-30__s{SEED}.parquet")
    assert _count(engine, "usage_events") == 0
    assert cli_main(["ingest", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{len(files)} file(s):" in out and " 0 quarantined" in out
    frames = pl.read_parquet(tmp_path / "usage_events" / f"usage_events__2026-03-30__s{SEED}.parquet")
    assert _count(engine, "usage_events") == frames.height
    assert all(r.status == "duplicate" for r in ingest_paths(engine, files))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_generated_text_files_round_trip_every_type(postgres_url: str, tmp_path: Path, fmt: str) -> None:
    """CSV and JSONL carry every contract type as text (uuids, instants, decimals, JSON, arrays, intervals)."""
    engine = engine_for(migrated(postgres_url))
    report = write_landing(tmp_path, engine, date(2026, 3, 30), 1, scale=0.02, seed=SEED, fmt=fmt)
    results = ingest_paths(engine, [path for _, path in landing_files(tmp_path)])
    assert [r.summary() for r in results if r.rows_quarantined or r.status != "loaded"] == []
    for table, rows in {**report.reference, **report.facts}.items():
        where = "WHERE id >= 1000000000000" if table == "audit_logs" else ""
        assert _count(engine, table, where) == rows, table


def test_tables_load_at_once_each_after_its_parents_and_its_own_files_in_turn(tmp_path: Path) -> None:
    """`by_table` with two workers: two unrelated tables' files are ingested at the same time; a table
    starts only once its parent table's files are in; a table's own files never overlap."""
    paths = [tmp_path / table / name for table, name in (
        ("users", "u.csv"), ("usage_events", "e1.csv"), ("usage_events", "e2.csv"), ("token_usage", "t.csv"),
        ("ai_dialogue_log", "d.csv"))]
    both_running = threading.Barrier(2, timeout=10)
    spans: dict[str, tuple[float, float]] = {}

    def ingest(path: Path) -> IngestResult:
        started = time.perf_counter()
        if path.name in ("u.csv", "e1.csv"):  # the first two tasks: each waits until the other runs
            both_running.wait()
        time.sleep(0.05)
        spans[path.name] = (started, time.perf_counter())
        return IngestResult(LandingFile(path, path.parent.name, "csv", path.name), "loaded")

    finished: list[str] = []
    results = by_table(paths, ingest, 2, lambda path: finished.append(path.name))
    assert [r.file.path for r in results] == paths
    assert sorted(finished) == sorted(p.name for p in paths)
    assert spans["d.csv"][0] >= spans["u.csv"][1]  # ai_dialogue_log.user_id -> users.id
    assert spans["e2.csv"][0] >= spans["e1.csv"][1]


def test_a_table_after_a_failing_parent_is_not_ingested(tmp_path: Path) -> None:
    """An error that stops a parent table's files stops the tables that depend on it, and is raised."""
    ingested: list[str] = []

    def ingest(path: Path) -> IngestResult:
        if path.parent.name == "users":
            raise OSError(f"{path} vanished")
        ingested.append(path.parent.name)
        return IngestResult(LandingFile(path, path.parent.name, "csv", path.name), "loaded")

    paths = [tmp_path / "users" / "u.csv", tmp_path / "token_usage" / "t.csv", tmp_path / "ai_dialogue_log" / "d.csv"]
    with pytest.raises(OSError, match="vanished"):
        by_table(paths, ingest, 2, lambda _path: None)
    assert ingested == ["token_usage"]


def test_sensor_requests_one_run_per_new_file_parents_first(warehouse: Engine, landing_db: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit_pipelines.sensors import landing_zone_sensor

    engine = warehouse
    monkeypatch.setenv("COCKPIT_LANDING_DIR", str(tmp_path))
    users = reference_frames(build_reference(SEED, read_standards(engine)))["users"].head(3).with_columns(
        pl.col("id").str.replace(r"^.{8}", "aaaaaaaa"), pl.col("email") + "x")
    users.write_parquet(_mkdir(tmp_path / "users") / "new_users.parquet")
    child = _csv(tmp_path / "ai_dialogue_log" / "child.csv", [_row(engine, 70, user_id=users["id"][0])])
    resources = {"warehouse": WarehouseResource(url=landing_db)}

    first = landing_zone_sensor(dg.build_sensor_context(resources=resources))
    assert [r.tags["cockpit/landing_table"] for r in first.run_requests] == ["users"]
    assert first.run_requests[0].run_key == _sha(tmp_path / "users" / "new_users.parquet")

    waiting = landing_zone_sensor(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert waiting.run_requests == [] and "wait" in waiting.skip_reason.skip_message

    from cockpit_pipelines.jobs import landing_load_job

    run = landing_load_job.execute_in_process(run_config=first.run_requests[0].run_config, resources=resources)
    assert run.success
    then = landing_zone_sensor(dg.build_sensor_context(cursor=waiting.cursor, resources=resources))
    assert [r.run_key for r in then.run_requests] == [_sha(child)]
    child_run = landing_load_job.execute_in_process(run_config=then.run_requests[0].run_config, resources=resources)
    assert child_run.success
    materialized = child_run.get_asset_materialization_events()
    assert [m.asset_key.path for m in materialized] == [["raw", "ai_dialogue_log"]]
    assert materialized[0].materialization.metadata["rows_loaded"].value == 1
    idle = landing_zone_sensor(dg.build_sensor_context(cursor=then.cursor, resources=resources))
    assert idle.run_requests == [] and "no new files" in idle.skip_reason.skip_message


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha(path: Path) -> str:
    from cockpit_pipelines.landing import file_checksum

    return file_checksum(path)


def test_a_mixed_file_dropped_twice_through_the_sensor_and_job_loads_once(
        warehouse: Engine, landing_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The landing checks through the code location's own path: the sensor requests a landing_load_job run
    per file (run_key = its SHA-256), the run loads the good rows and quarantines the others with a reason
    (good + quarantined = input); the same bytes dropped again (touched, or copied elsewhere) load nothing."""
    from cockpit_pipelines.jobs import landing_load_job
    from cockpit_pipelines.sensors import landing_zone_sensor

    engine = warehouse
    monkeypatch.setenv("COCKPIT_LANDING_DIR", str(tmp_path))
    rows = [_row(engine, 80 + i) for i in range(5)] + [
        _row(engine, 90, relevance_score="1.7"), _row(engine, 91, user_feedback="5"), _row(engine, 92, query=None)]
    path = _csv(tmp_path / "ai_dialogue_log" / "mixed.csv", rows)
    resources = {"warehouse": WarehouseResource(url=landing_db)}

    with dg.instance_for_test() as instance:
        def tick(cursor: str | None) -> dg.SensorResult:
            return landing_zone_sensor(dg.build_sensor_context(cursor=cursor, resources=resources, instance=instance))

        def run(request: dg.RunRequest) -> dg.ExecuteInProcessResult:
            return landing_load_job.execute_in_process(run_config=request.run_config, resources=resources,
                                                       instance=instance, tags={"dagster/run_key": request.run_key})

        first = tick(None)
        assert [r.run_key for r in first.run_requests] == [_sha(path)]
        loaded = run(first.run_requests[0])
        assert loaded.success
        [materialization] = loaded.get_asset_materialization_events()
        metadata = materialization.materialization.metadata
        assert (metadata["rows_in_file"].value, metadata["rows_loaded"].value,
                metadata["rows_quarantined"].value) == (8, 5, 3)
        assert metadata["quarantine_rules"].value == {"max": 1, "values": 1, "not_null": 1}

        checksum = _sha(path)
        reasons = engine.query("SELECT line_number, rule, reason FROM ingest_quarantine WHERE file_checksum = :c "
                               "ORDER BY line_number", {"c": checksum})
        assert [(line, rule) for line, rule, _ in reasons] == [(7, "max"), (8, "values"), (9, "not_null")]
        assert all(reason and reason.startswith(f"ai_dialogue_log line {line}: ") for line, _, reason in reasons)
        assert _count(engine, "ai_dialogue_log") + len(reasons) == len(rows)

        # Dropped again: the same file touched, and a copy under another name.
        idle = tick(first.cursor)
        assert idle.run_requests == []
        path.touch()
        copy = tmp_path / "ai_dialogue_log" / "mixed_again.csv"
        copy.write_bytes(path.read_bytes())
        again = tick(idle.cursor)
        assert {r.run_key for r in again.run_requests} == {checksum}, "the same bytes keep the same run key"
        for request in again.run_requests:  # were the daemon to launch them anyway, the ledger holds
            rerun = run(request)
            assert rerun.success and rerun.get_asset_materialization_events() == []
        assert _count(engine, "ai_dialogue_log") == 5
        assert _count(engine, "ingest_quarantine") == 3
        assert engine.query("SELECT status, rows_loaded, rows_quarantined FROM ingest_ledger") == [("loaded", 5, 3)]
