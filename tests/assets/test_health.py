"""The operations group's health snapshot: it lands in db_health_* with its metrics on every engine, and its
warning checks judge hit ratio, unused indexes (over 30 days of snapshots) and dead tuples as the policy says."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest
from analytics_testkit import insert
from conftest import migrated

from cockpit_pipelines.assets.health import (
    HEALTH_KEY,
    dead_tuples_result,
    health_checks,
    health_warehouse,
    hit_ratio_result,
    unused_result,
)
from cockpit_pipelines.health import (
    HEALTH_POLICY_FILE,
    INDEXES,
    SNAPSHOT_COLUMNS,
    SNAPSHOTS,
    TABLE_COLUMNS,
    TABLES,
    KeptIndex,
    judge_unused,
    load_policy,
    read_history,
)
from cockpit_pipelines.resources import WarehouseResource

DAY = date(2026, 1, 5)
POLICY = load_policy()


def _clear(warehouse: WarehouseResource) -> None:
    for table in (INDEXES, TABLES, SNAPSHOTS):
        warehouse.execute(f"DELETE FROM {table}")


def _run(warehouse: WarehouseResource, day: date = DAY) -> dg.ExecuteInProcessResult:
    return dg.materialize([health_warehouse, *health_checks], resources={"warehouse": warehouse},
                          partition_key=day.isoformat())


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == HEALTH_KEY]
    return {k: v.value for k, v in event.step_materialization_data.materialization.metadata.items()}


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    return {e.asset_check_evaluation_data.asset_check_key.name: e.asset_check_evaluation_data
            for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION}


def test_the_snapshot_lands_in_its_tables_with_its_metrics_and_checks(module_warehouse: WarehouseResource) -> None:
    warehouse = module_warehouse
    _clear(warehouse)
    result = _run(warehouse)
    assert result.success
    summary = warehouse.query(f"SELECT engine, table_count, index_count, statements_available FROM {SNAPSHOTS} "
                              "WHERE snapshot_date = :d", {"d": DAY})
    assert len(summary) == 1
    engine, table_count, index_count, statements = summary[0]
    count = "SELECT COUNT(*) FROM {} WHERE snapshot_date = :d"
    assert table_count == warehouse.engine.scalar(count.format(TABLES), {"d": DAY}) > 50
    assert index_count == warehouse.engine.scalar(count.format(INDEXES), {"d": DAY}) > 100
    metadata = _metadata(result)
    for name in ("taken_at", "engine", "total_bytes", "table_count", "index_count", "largest_tables",
                 "buffer_hit_ratio", "statements_available"):
        assert name in metadata, name
    checks = _checks(result)
    assert set(checks) == {"index_hit_ratio", "unused_indexes", "dead_tuples"}
    assert all(c.severity == dg.AssetCheckSeverity.WARN for c in checks.values())
    assert checks["unused_indexes"].passed  # a first snapshot judges no index yet
    assert checks["dead_tuples"].passed
    if engine == "postgresql":
        # the machine's PostgreSQL does not preload pg_stat_statements: said, not failed
        assert not statements and "pg_stat_statements" in metadata["not_measured"]["top_statements"]
        assert {"dead_tuples", "zero_scan_indexes", "zero_scan_index_list", "table_hit_ratio"} <= set(metadata)
        assert warehouse.engine.scalar(f"SELECT COUNT(*) FROM {TABLES} WHERE snapshot_date = :d AND table_name = "
                                "'usage_events' AND partitions >= 1", {"d": DAY}) == 1  # one row, its partitions summed
    else:
        assert {"dead_tuples", "idx_scan", "top_statements"} <= set(metadata["not_measured"])
        assert "not measured" in checks["dead_tuples"].description
    # on demand again: the day's snapshot is replaced, not added to
    assert _run(warehouse).success
    assert warehouse.engine.scalar(f"SELECT COUNT(*) FROM {SNAPSHOTS}") == 1


def _synthetic_history(warehouse: WarehouseResource, days: int = 32, same_moment: bool = False) -> date:
    """Daily snapshots (taken at 04:30 the next day) of five indexes on users; returns the last day."""
    first = date(2025, 6, 1)
    summaries, rows = [], []
    for n in range(days):
        day = first + timedelta(days=n)
        taken = datetime(2025, 8, 1) if same_moment else datetime.combine(day + timedelta(days=1), datetime.min.time())
        summaries.append({"snapshot_date": day, "taken_at": taken, "engine": "synthetic", "engine_version": "1",
                          "stats_reset": None, "table_count": 1, "index_count": 5, "statements_available": False})
        scans = {"idx_users_quiet": 7, "idx_users_busy": 7 + n, "idx_users_name_search": 0, "users_pkey": 0,
                 "idx_users_reset": 10 if n < 25 else 3}  # its counter restarts: a reset
        if n >= 20:
            scans["idx_users_new"] = 0
        for index, scan in scans.items():
            rows.append({"snapshot_date": day, "table_name": "users", "index_name": index,
                         "index_id": 1000 + len(index), "is_unique": index == "users_pkey",
                         "is_primary": index == "users_pkey", "size_bytes": 8192, "idx_scan": scan})
    insert(warehouse, SNAPSHOTS, pl.DataFrame(summaries, schema={k: SNAPSHOT_COLUMNS[k] for k in summaries[0]}))
    insert(warehouse, INDEXES, pl.DataFrame(rows, schema_overrides={"index_id": pl.Int64, "size_bytes": pl.Int64,
                                                                    "idx_scan": pl.Int64}))
    return first + timedelta(days=days - 1)


def _verdicts(warehouse: WarehouseResource, day: date, policy=POLICY) -> dict[str, str]:
    snapshots, history = read_history(warehouse.engine, day, policy)
    return {v.index: v.status for v in judge_unused(history, snapshots, day, policy)}


def test_an_index_without_scans_for_30_days_of_snapshots_fails_unless_kept(module_warehouse: WarehouseResource,
                                                                         ) -> None:
    warehouse = module_warehouse
    _clear(warehouse)
    last = _synthetic_history(warehouse)
    verdicts = _verdicts(warehouse, last)
    assert verdicts == {"idx_users_quiet": "unused", "idx_users_busy": "used", "idx_users_name_search": "kept",
                        "users_pkey": "constraint", "idx_users_new": "young", "idx_users_reset": "reset"}
    snapshots, history = read_history(warehouse.engine, last, POLICY)
    failed = unused_result(judge_unused(history, snapshots, last, POLICY), last, POLICY)
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.WARN
    assert "users.idx_users_quiet" in failed.description
    assert failed.metadata["kept_on_purpose"].data["users.idx_users_name_search"].startswith("seed 003")

    keeping = dataclasses.replace(POLICY, keep=(*POLICY.keep, KeptIndex("users", "idx_users_quiet", "a test keeps it")))
    passed = unused_result(judge_unused(history, snapshots, last, keeping), last, keeping)
    assert passed.passed

    # 29 days after the first snapshot nothing is old enough to judge
    assert set(_verdicts(warehouse, last - timedelta(days=2)).values()) <= {"young", "kept", "constraint"}


def test_a_backfill_taken_at_one_moment_judges_no_index(module_warehouse: WarehouseResource) -> None:
    warehouse = module_warehouse
    _clear(warehouse)
    last = _synthetic_history(warehouse, same_moment=True)
    assert "unused" not in _verdicts(warehouse, last).values()


def test_a_stats_reset_after_the_baseline_defers_the_judgment(module_warehouse: WarehouseResource) -> None:
    warehouse = module_warehouse
    _clear(warehouse)
    last = _synthetic_history(warehouse)
    warehouse.execute(f"UPDATE {SNAPSHOTS} SET stats_reset = :r WHERE snapshot_date >= :d",
                      {"r": datetime(2025, 6, 30), "d": date(2025, 6, 30)})
    assert _verdicts(warehouse, last)["idx_users_quiet"] == "reset"


def test_the_hit_ratio_check_follows_the_policy() -> None:
    pg = {"engine": "postgresql", "index_hit_ratio": 0.90, "buffer_hit_ratio": 0.99}
    assert not hit_ratio_result(pg, DAY, POLICY).passed
    assert hit_ratio_result({**pg, "index_hit_ratio": 0.97}, DAY, POLICY).passed
    assert hit_ratio_result({**pg, "index_hit_ratio": None}, DAY, POLICY).passed  # nothing read yet
    maria = {"engine": "mariadb", "index_hit_ratio": None, "buffer_hit_ratio": 0.80}
    result = hit_ratio_result(maria, DAY, POLICY)
    assert not result.passed and "buffer pool" in result.metadata["measured_on"].text


def test_the_dead_tuples_check_names_the_tables_over_the_share() -> None:
    def tables(live: int, dead: int | None) -> pl.DataFrame:
        row = {c: None for c in TABLE_COLUMNS} | {"table_name": "events", "partitions": 1, "live_tuples": live,
                                                  "dead_tuples": dead}
        return pl.DataFrame([row], schema=TABLE_COLUMNS)

    over = dead_tuples_result(tables(5_000, 4_000), DAY, POLICY)
    assert not over.passed and "events (44%)" in over.description
    assert dead_tuples_result(tables(100, 400), DAY, POLICY).passed  # below min_dead_rows
    assert dead_tuples_result(tables(50_000, 4_000), DAY, POLICY).passed
    assert "not measured" in dead_tuples_result(tables(5_000, None), DAY, POLICY).description


def test_a_kept_index_needs_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "db_health.yaml"
    text = HEALTH_POLICY_FILE.read_text()
    path.write_text(text.replace("      reason: >-", "      why: >-"))
    with pytest.raises(ValueError, match=r"db_health.yaml: unused_indexes.keep\[0\] needs a non-empty reason"):
        load_policy(path)


@pytest.mark.embedded
def test_the_embedded_server_records_the_top_statements(embedded_url: str) -> None:
    warehouse = WarehouseResource(url=migrated(embedded_url))
    assert "pg_stat_statements" in warehouse.engine.scalar("SHOW shared_preload_libraries")
    result = _run(warehouse)
    assert result.success
    metadata = _metadata(result)
    assert metadata["statements_available"] is True and "top_statements" not in metadata.get("not_measured", {})
    statements = metadata["top_statements"].records
    assert 0 < len(statements) <= POLICY.top_statements
    assert warehouse.engine.scalar(f"SELECT statements_available FROM {SNAPSHOTS} WHERE snapshot_date = :d", {"d": DAY})
