"""Quality checks and the compliance scan on real warehouses (PostgreSQL and MariaDB).

One migrated database per engine holds clean raw rows for every day and, on BAD_DAY, one injected bad
row per raw table. The nightly selection (analytics assets + raw-table checks) runs once for CLEAN_DAY
and once for BAD_DAY; the tests read those runs. Derived tables get hand-made bad rows on
DERIVED_DAY; the scan works on SCAN_DAY.
"""

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import dagster as dg
import polars as pl
import pytest
from conftest import REPO_ROOT, migrated_warehouse
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from cockpit_pipelines.assets import governance, rag, reports, telemetry, usage
from cockpit_pipelines.assets.governance import (
    VIOLATION_NAMESPACE,
    ScanTarget,
    ascii_digits,
    find_violations,
    load_scan_policy,
    scan_values,
    suggest_fix,
)
from cockpit_pipelines.assets.quality import (
    CHECK_NAME,
    checks_for,
    quality_checks,
    raw_quality_checks,
    validate_suite,
)
from cockpit_pipelines.assets.raw import raw_key, raw_specs
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.windows import Window

CLEAN_DAY, BAD_DAY, SCAN_DAY = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 8)
DERIVED_DAY = date(2026, 2, 10)  # another month: usage_monthly's bad row stays out of CLEAN_DAY's month
ANALYTICS = dg.load_assets_from_modules([rag, usage, telemetry, governance, reports])
DERIVED = [t.name for t in contracts().tables_of_kind("derived")]
# The reports read raw tables without a suite (sync_buffer, propagation_log, clock_sync_status): no raw check
# gates them, and this module writes none of their rows (tests/assets/test_dashboards.py builds them).
REPORTS = {"high_impact_changes", "clock_drift_daily"}
NIGHTLY = dg.AssetSelection.groups("analytics") | raw_quality_checks

ORG, USER, PROJECT = (str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.quality.test")) for name in ("o", "u", "p"))
UNKNOWN_PROJECT = "00000000-0000-4000-8000-000000000bad"

# raw table -> (the rule its BAD_DAY row breaks, a failing value in the check's metadata)
RAW_FAILURES: dict[str, tuple[str, Any]] = {
    "ai_dialogue_log": ("expect_column_values_to_be_between(relevance_score, 0, 1)", 1.7),
    "usage_events": ("expect_column_values_to_be_between(input_tokens, 0, None)", -5),
    "token_usage": ("expect_query_to_return_no_rows(project_id in projects.id)", {"project_id": UNKNOWN_PROJECT}),
    "metrics": ("expect_column_pair_values_a_to_be_greater_than_b(value_p95, value_p50, or_equal)", [10, 20]),
    "correlations": ("expect_column_values_to_be_between(strength, 0, 1)", 1.5),
    "metadata_violations": ("expect_column_values_to_not_be_null(resolved_at, where status == resolved)", None),
}
# derived table -> (the rule its DERIVED_DAY row breaks, a failing value)
DERIVED_FAILURES: dict[str, tuple[str, Any]] = {
    "rag_metrics_history": ("expect_column_values_to_be_between(citation_rate, 0, 100)", 120),
    "usage_hourly": ("expect_column_pair_values_a_to_be_greater_than_b(p95_latency_ms, p50_latency_ms, or_equal)",
                     [200, 300]),
    "usage_daily": ("expect_column_values_to_be_between(total_cost_cents, 0, None)", -1),
    "usage_monthly": ("expect_column_values_to_be_between(active_days, 1, 31)", 40),
    "token_usage_daily": ("expect_column_values_to_be_between(daily_cost, 0, None)", -0.5),
    "metrics_hourly": ("expect_column_pair_values_a_to_be_greater_than_b(avg_value, min_value, or_equal)", [3, 5]),
    "compliance_scores": ("expect_column_values_to_be_between(compliance_rate, 0, 100)", 150),
}


# --- the warehouses ------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["postgres", "mariadb"])
def warehouse(request: pytest.FixtureRequest) -> Iterator[WarehouseResource]:
    """A migrated warehouse (one per engine, for the module) with the days' raw rows."""
    for resource in migrated_warehouse(request.param):
        _load(resource)
        yield resource


def _insert(warehouse: WarehouseResource, table: str, rows: list[dict[str, Any]]) -> None:
    engine = warehouse.engine
    with engine.transaction() as conn:
        engine.insert_frame(conn, table, pl.DataFrame(rows, infer_schema_length=None))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _id(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))))


def _load(warehouse: WarehouseResource) -> None:
    created = datetime(2025, 12, 1)
    stamps = {"created_at": created, "updated_at": created}
    _insert(warehouse, "organizations", [{"id": ORG, "name": "Org", "slug": "org", **stamps}])
    _insert(warehouse, "users", [{"id": USER, "email": "u@example.test", "name": "U", **stamps}])
    _insert(warehouse, "projects", [{"id": PROJECT, "org_id": ORG, "name": "P", "slug": "p",
                                     "owner_user_id": USER, **stamps}])
    for day in (CLEAN_DAY, BAD_DAY, SCAN_DAY):
        for table, rows in _clean_rows(day).items():
            _insert(warehouse, table, rows)
    for table, rows in _bad_rows(BAD_DAY).items():
        _insert(warehouse, table, rows)


def _clean_rows(day: date) -> dict[str, list[dict[str, Any]]]:
    dialogue = [{
        "id": _id("dialogue", day, i), "user_id": USER, "session_id": _id("session", day), "query": "q",
        "response": "r", "model_used": "m", "created_at": _at(day, 9 + i), "updated_at": _at(day, 9 + i),
        "citations": '[{"source": "kb"}]', "latency_ms": 800 + 100 * i, "token_cost_jpy": 1.5,
        "prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150, "relevance_score": 0.8,
        "user_feedback": 1,
    } for i in range(3)]
    # the first and last instants of the day: the window is [day, day + 1) in UTC on every engine
    edges = [datetime.combine(day, time(0)), _at(day, 10), datetime.combine(day, time(23, 59, 59, 999999))]
    usage_events = [{
        "time": edges[i], "org_id": ORG, "project_id": PROJECT, "user_id": USER,
        "request_id": _id("request", day, i), "event_type": "api_call", "model": "claude-3-haiku",
        "input_tokens": 100, "output_tokens": 20, "cache_read_tokens": 0, "cache_write_tokens": 0,
        "cost_cents": 3, "latency_ms": 500 + i, "status": "success", "metadata": "{}",
    } for i in range(3)]
    token_usage = [{
        "id": _id("token", day, i), "project_id": PROJECT, "provider": "claude", "model": "claude-sonnet",
        "input_tokens": 1000, "output_tokens": 200, "total_cost": 0.0123, "timestamp": _at(day, 11, i),
    } for i in range(2)]
    metrics = [{
        "id": _id("metric", day, i), "timestamp": _at(day, 12, 5 * i), "time_bucket": "00:05:00",
        "asset_id": "gpt-4", "metric_type": "performance", "metric_name": "latency", "tenant_id": "t1",
        "value_count": 10, "value_sum": 300.0, "value_avg": 30.0, "value_min": 5.0, "value_max": 90.0,
        "value_p50": 25.0, "value_p95": 70.0, "value_p99": 85.0, "value_stddev": 4.0,
    } for i in range(2)]
    events = [{
        "id": _id("event", day, i), "timestamp": _at(day, 13, i), "source_module": "gateway",
        "event_type": "cost", "severity": "info", "environment": "production", "tenant_id": "t1",
        "payload": '{"kind": "cost", "value": 1.5}', "created_at": _at(day, 13, i),
    } for i in range(2)]
    correlations = [{
        "id": _id("correlation", day), "timestamp": _at(day, 13, 5), "correlation_type": "causal",
        "primary_event_id": events[0]["id"], "related_event_id": events[1]["id"], "strength": 0.9,
        "confidence": 0.8, "tenant_id": "t1", "created_at": _at(day, 13, 5),
    }]
    violations = [{
        "id": _id("violation", day, status), "standard_id": "ts-001-zulu", "resource_type": "dashboard",
        "resource_id": _id("dashboard", day), "violation_value": "2026-01-01 14:30:45", "status": status,
        "detected_at": _at(day, 14), "resolved_at": _at(day, 16) if status == "resolved" else None,
        "auto_fix_applied": False,
    } for status in ("open", "resolved")]
    return {"ai_dialogue_log": dialogue, "usage_events": usage_events, "token_usage": token_usage,
            "metrics": metrics, "events": events, "correlations": correlations, "metadata_violations": violations}


def _bad_rows(day: date) -> dict[str, list[dict[str, Any]]]:
    """One row per raw table that breaks the rule RAW_FAILURES names (events: a warn rule)."""
    rows = {table: [dict(rows[0])] for table, rows in _clean_rows(day).items()}
    rows["ai_dialogue_log"][0].update(id=_id("bad dialogue"), relevance_score=1.7)
    rows["usage_events"][0].update(request_id=_id("bad request"), input_tokens=-5)
    rows["token_usage"][0].update(id=_id("bad token"), project_id=UNKNOWN_PROJECT)
    rows["metrics"][0].update(id=_id("bad metric"), value_p50=20.0, value_p95=10.0)
    rows["correlations"][0].update(id=_id("bad correlation"), strength=1.5)
    rows["metadata_violations"][0].update(id=_id("bad violation"), status="resolved", resolved_at=None)
    tomorrow = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    rows["events"][0].update(id=_id("bad event"), created_at=tomorrow)
    return rows


def _run(warehouse: WarehouseResource, selection: dg.AssetSelection, first: date,
         last: date | None = None) -> dg.ExecuteInProcessResult:
    """One run of the selection for a day (or a range, as a single-run backfill)."""
    kwargs: dict[str, Any] = {"partition_key": first.isoformat()}
    if not selection.resolve(ANALYTICS):
        # a run of checks only: Dagster infers no partitions definition from assets, so tag the partition
        kwargs = {"tags": {PARTITION_NAME_TAG: first.isoformat()}}
    if last is not None:
        kwargs = {"tags": {ASSET_PARTITION_RANGE_START_TAG: first.isoformat(),
                           ASSET_PARTITION_RANGE_END_TAG: last.isoformat()}}
    return dg.materialize(
        [*raw_specs, *ANALYTICS, *quality_checks],
        selection=selection, resources={"warehouse": warehouse}, raise_on_error=False, **kwargs,
    )


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    """The check evaluations of a run, by table."""
    evaluations = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.asset_check_evaluation_data
            assert data.asset_check_key.name == CHECK_NAME
            evaluations[data.asset_check_key.asset_key.path[-1]] = data
    return evaluations


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def _rows_on(warehouse: WarehouseResource, table: str, day: date) -> int:
    column = contracts().table(table).time_column
    quote = '"' if warehouse.engine_family() == "postgresql" else "`"
    sql = f"SELECT count(*) FROM {table} WHERE {quote}{column}{quote} >= :start AND {quote}{column}{quote} < :end"
    start = datetime.combine(day, time(0)) if table != "usage_monthly" else datetime(day.year, day.month, 1)
    return warehouse.query(sql, {"start": start, "end": datetime.combine(day + timedelta(days=1), time(0))})[0][0]


@pytest.fixture(scope="module")
def clean_run(warehouse: WarehouseResource) -> dg.ExecuteInProcessResult:
    return _run(warehouse, NIGHTLY, CLEAN_DAY)


@pytest.fixture(scope="module")
def bad_run(warehouse: WarehouseResource) -> dg.ExecuteInProcessResult:
    return _run(warehouse, NIGHTLY, BAD_DAY)


# --- the nightly selection -----------------------------------------------------------------------


def test_a_clean_partition_passes_every_check_and_builds_every_table(
    warehouse: WarehouseResource, clean_run: dg.ExecuteInProcessResult
) -> None:
    """CLEAN_DAY passes although BAD_DAY next to it has bad rows: checks read only their window."""
    assert clean_run.success
    checks = _checks(clean_run)
    assert set(checks) == set(DERIVED) | set(RAW_FAILURES) | {"events", "metadata_standards"}
    assert all(c.passed for c in checks.values()), {t: c.description for t, c in checks.items() if not c.passed}
    assert _materialized(clean_run) == set(DERIVED)
    usage_check = checks["usage_events"].metadata
    assert usage_check["window"].value == "[2026-01-05 00:00:00, 2026-01-06 00:00:00)"
    assert usage_check["rows_validated"].value == 3
    assert usage_check["expectations_failed"].value == 0
    assert all(_rows_on(warehouse, t, CLEAN_DAY) > 0 for t in set(DERIVED) - REPORTS)


@pytest.mark.parametrize("table", sorted(RAW_FAILURES))
def test_bad_raw_rows_fail_the_check_with_the_rule_and_the_failing_values(
    bad_run: dg.ExecuteInProcessResult, table: str
) -> None:
    rule, value = RAW_FAILURES[table]
    check = _checks(bad_run)[table]
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert check.blocking
    failing = check.metadata["failing_rules"].value
    assert rule in failing, failing
    assert value in check.metadata["sample_failing_values"].value[rule]
    failed = {f["rule"]: f for f in check.metadata["failed_expectations"].value}
    assert failed[rule]["severity"] == "error"
    assert failed[rule]["unexpected_count"] == 1
    assert check.metadata["expectations_evaluated"].value > check.metadata["expectations_failed"].value >= 1


def test_a_failed_blocking_raw_check_stops_the_downstream_analytics(
    warehouse: WarehouseResource, bad_run: dg.ExecuteInProcessResult
) -> None:
    """The raw tables are external assets: their blocking checks still gate the assets that read them."""
    assert not bad_run.success
    assert _materialized(bad_run) <= REPORTS
    # (usage_monthly holds the month, which CLEAN_DAY's run built)
    assert all(_rows_on(warehouse, t, BAD_DAY) == 0 for t in set(DERIVED) - REPORTS if t != "usage_monthly")
    failed_steps = {e.step_key for e in bad_run.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE}
    assert {f"raw__{t}_{CHECK_NAME}" for t in RAW_FAILURES} <= failed_steps
    assert not failed_steps & {a.node_def.name for a in ANALYTICS}, "analytics steps never ran"


def test_only_warn_rules_failing_is_a_warning(bad_run: dg.ExecuteInProcessResult) -> None:
    check = _checks(bad_run)["events"]
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    assert "expect_column_values_to_be_between(created_at, None, " in check.metadata["failing_rules"].value


def test_a_backfill_range_validates_the_whole_range(warehouse: WarehouseResource) -> None:
    result = _run(warehouse, raw_quality_checks, CLEAN_DAY, BAD_DAY)
    checks = _checks(result)
    assert checks["usage_events"].metadata["window"].value == "[2026-01-05 00:00:00, 2026-01-07 00:00:00)"
    assert checks["usage_events"].metadata["rows_validated"].value == 7
    assert not checks["usage_events"].passed
    assert checks["usage_events"].metadata["failing_partitions"].value == [BAD_DAY.isoformat()]
    assert checks["metadata_standards"].metadata["window"].value == "whole table"


# --- derived tables ------------------------------------------------------------------------------


def _derived_rows(day: date) -> dict[str, dict[str, Any]]:
    """One row per derived table that breaks the rule DERIVED_FAILURES names."""
    bucket = datetime.combine(day, time(0))
    now = datetime(2026, 2, 11)
    key = {"org_id": ORG, "project_id": PROJECT, "model": "m"}
    counts = {"total_input_tokens": 1, "total_output_tokens": 1, "total_cost_cents": 1, "computed_at": now}
    return {
        "rag_metrics_history": {"date": day, "total_queries": 10, "citation_rate": 120.0, "unique_users": 1,
                                "slo_compliance": "{}", "computed_at": now},
        "usage_hourly": {"bucket": bucket, **key, "request_count": 2, "success_count": 2, "error_count": 0,
                         "total_cache_read_tokens": 0, "unique_users": 1, "p50_latency_ms": 300.0,
                         "p95_latency_ms": 200.0, "p99_latency_ms": 400.0, **counts},
        "usage_daily": {"bucket": bucket, **key, "user_id": USER, "request_count": 2,
                        **counts, "total_cost_cents": -1},
        "usage_monthly": {"bucket": day.replace(day=1), **key, "request_count": 2, "unique_users": 1,
                          "active_days": 40, **counts},
        "token_usage_daily": {"usage_date": day, "project_id": PROJECT, "provider": "claude", "request_count": 1,
                              "total_input": 1, "total_output": 1, "daily_cost": -0.5, "computed_at": now},
        "metrics_hourly": {"bucket": bucket, "asset_id": "a", "metric_type": "t", "metric_name": "n",
                           "tenant_id": "t1", "count": 1, "avg_value": 3.0, "min_value": 5.0, "max_value": 9.0,
                           "computed_at": now},
        "compliance_scores": {"score_date": day, "standard_id": "ts-001-zulu", "category": "temporal",
                              "standard_name": "Timestamp Zulu Format", "enforcement_level": "error",
                              "violation_count": 4, "open_violations": 1, "compliance_rate": 150.0,
                              "computed_at": now},
    }


@pytest.fixture(scope="module")
def derived_checks_run(warehouse: WarehouseResource) -> dg.ExecuteInProcessResult:
    for table, row in _derived_rows(DERIVED_DAY).items():
        _insert(warehouse, table, [row])
    checks = dg.AssetSelection.checks(*(dg.AssetCheckKey(dg.AssetKey(t), CHECK_NAME) for t in DERIVED))
    return _run(warehouse, checks, DERIVED_DAY)


@pytest.mark.parametrize("table", sorted(DERIVED_FAILURES))
def test_bad_derived_rows_fail_the_check_with_the_rule_and_the_failing_values(
    derived_checks_run: dg.ExecuteInProcessResult, table: str
) -> None:
    rule, value = DERIVED_FAILURES[table]
    check = _checks(derived_checks_run)[table]
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert check.partition == DERIVED_DAY.isoformat()
    assert rule in check.metadata["failing_rules"].value
    assert value in check.metadata["sample_failing_values"].value[rule]


def test_a_failed_derived_check_stops_its_downstream_asset(
    warehouse: WarehouseResource, derived_checks_run: dg.ExecuteInProcessResult
) -> None:
    selection = dg.AssetSelection.checks(dg.AssetCheckKey(dg.AssetKey("usage_daily"), CHECK_NAME)) | \
        dg.AssetSelection.assets("usage_monthly")
    result = _run(warehouse, selection, DERIVED_DAY)
    assert not _checks(result)["usage_daily"].passed
    assert _materialized(result) == set()
    monthly = warehouse.query("SELECT active_days FROM usage_monthly WHERE model = 'm'")
    assert monthly == [(40,)], "usage_monthly kept its (bad) rows: it was not rebuilt from a bad usage_daily"


def test_a_reference_suite_validates_the_whole_table(warehouse: WarehouseResource) -> None:
    """metadata_standards has no time column: its suite (meta.window = all) reads every row."""
    future = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    warehouse.execute(
        "INSERT INTO metadata_standards (id, standard_name, category, pattern_regex, enforcement_level, "
        "is_active, created_at, updated_at) VALUES ('zz-test', 'Future standard', 'versioning', '^x$', 'info', "
        "FALSE, :at, :at)", {"at": future},
    )
    try:
        outcome = validate_suite(warehouse, "metadata_standards", Window(datetime(2026, 1, 1), datetime(2026, 1, 2)))
    finally:
        warehouse.execute("DELETE FROM metadata_standards WHERE id = 'zz-test'")
    assert outcome.window is None
    assert outcome.severity == "warn" and not outcome.blocks
    assert [f.rule.split("(")[1].split(",")[0] for f in outcome.failures] == ["created_at", "updated_at"]


# --- the compliance scan -------------------------------------------------------------------------


def _scan(warehouse: WarehouseResource, day: date) -> dg.ExecuteInProcessResult:
    result = _run(warehouse, dg.AssetSelection.assets(governance.metadata_compliance_scan), day)
    assert result.success
    return result


def _scan_metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.step_materialization_data.materialization.metadata.items()}


def _recorded(warehouse: WarehouseResource) -> dict[str, dict[str, Any]]:
    frame = warehouse.read_frame(
        "SELECT id, standard_id, resource_type, resource_id, violation_value, suggested_fix, status, detected_at "
        "FROM metadata_violations WHERE resource_type IN ('events', 'plugin_registry')"
    )
    return {row["violation_value"]: row for row in frame.to_dicts()}


def test_the_scan_records_each_violation_once(warehouse: WarehouseResource) -> None:
    event = {"id": _id("scan event"), "timestamp": _at(SCAN_DAY, 15), "source_module": "sync",
             "event_type": "governance", "severity": "info", "environment": "production", "tenant_id": "t1",
             "payload": json.dumps({"at": "2026-01-08 15:00:00", "ok": "2026-01-08T15:00:00Z",
                                    "day": "01/08/2026", "nested": {"until": "2026-01-09T00:00:00+09:00"}})}
    _insert(warehouse, "events", [event])
    plugin = {"id": _id("plugin"), "name": "kb", "source": "kb", "capabilities": "{}", "version": "v2",
              "created_at": datetime(2025, 12, 1), "updated_at": datetime(2025, 12, 1)}
    _insert(warehouse, "plugin_registry", [plugin])

    first = _scan_metadata(_scan(warehouse, SCAN_DAY))
    assert first["violations_recorded"] == 4
    recorded = _recorded(warehouse)
    assert set(recorded) == {"2026-01-08 15:00:00", "2026-01-09T00:00:00+09:00", "01/08/2026", "v2"}
    stamp = recorded["2026-01-08 15:00:00"]
    assert (stamp["standard_id"], stamp["resource_id"], stamp["status"]) == ("ts-001-zulu", event["id"], "open")
    assert stamp["suggested_fix"] == "2026-01-08T15:00:00Z"
    assert stamp["detected_at"] == event["timestamp"]
    assert stamp["id"] == str(uuid.uuid5(VIOLATION_NAMESPACE, "\x1f".join(
        ("ts-001-zulu", "events", event["id"], "2026-01-08 15:00:00"))))
    assert recorded["2026-01-09T00:00:00+09:00"]["suggested_fix"] == "2026-01-08T15:00:00Z"
    assert recorded["01/08/2026"]["standard_id"] == "ts-002-iso-date"
    version = recorded["v2"]
    assert (version["standard_id"], version["suggested_fix"]) == ("vr-001-semver", "2.0.0")
    assert version["detected_at"] == datetime.combine(SCAN_DAY, time(0))

    again = _scan_metadata(_scan(warehouse, SCAN_DAY))
    assert (again["violations_found"], again["violations_recorded"]) == (4, 0)
    next_day = _scan_metadata(_scan(warehouse, SCAN_DAY + timedelta(days=1)))
    assert (next_day["violations_found"], next_day["violations_recorded"]) == (1, 0)
    assert _recorded(warehouse) == recorded


# --- pieces without a database -------------------------------------------------------------------


def test_the_scan_policy_names_real_tables_and_columns() -> None:
    rules = load_scan_policy()
    assert {s for r in rules for s in r.standards} >= {"ts-001-zulu", "nm-*", "vr-*"}
    assert all(t.kind == "names" or contracts().table(t.table) for r in rules for t in r.targets)


def test_contract_names_are_scanned_and_comply() -> None:
    names = scan_values(WarehouseResource(url="postgresql+psycopg://unused/none"), ScanTarget("names"),
                        Window(datetime(2026, 1, 1), datetime(2026, 1, 2)))
    assert names.filter(pl.col("resource_type") == "table").height == len(contracts().tables)
    assert names.filter(~pl.col("value").str.contains(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")).is_empty()


def test_regex_digits_are_ascii_as_on_tidb_and_postgresql() -> None:
    zulu = ascii_digits(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
    values = pl.Series(["2026-01-01T14:30:45Z", "2026-01-01T14:30:45.123456Z", "٢٠٢٦-01-01T14:30:45Z",
                        "2026-01-01T14:30:45Z\n", "2026-01-01 14:30:45"])
    assert values.str.contains(zulu).to_list() == [True, True, False, False, False]
    assert ascii_digits(r"[\d.]+\D") == r"[0-9.]+[^0-9]"
    assert ascii_digits(r"\\d") == r"\\d"


def test_a_standard_whose_regex_rust_cannot_apply_is_reported_by_id() -> None:
    values = pl.DataFrame({"resource_type": ["t"], "resource_id": ["1"], "value": ["x"],
                           "detected_at": [datetime(2026, 1, 1)]})
    standard = {"id": "nm-look", "category": "nomenclature", "pattern_regex": "^(?!x).*$", "validation_message": ""}
    with pytest.raises(ValueError, match="metadata_standards nm-look: pattern_regex"):
        find_violations(values, standard)


@pytest.mark.parametrize(("category", "value", "fix"), [
    ("temporal", "2026-01-01 14:30:45", "2026-01-01T14:30:45Z"),
    ("temporal", "2026-01-01T14:30:45.5+09:00", "2026-01-01T05:30:45.500000Z"),
    ("temporal", "01/02/2026", None),
    ("nomenclature", "Dashboard Final v2", "dashboard_final_v2"),
    ("nomenclature", "myModule", "my_module"),
    ("versioning", "v1.2", "1.2.0"),
    ("versioning", "latest", None),
])
def test_suggested_fixes(category: str, value: str, fix: str | None) -> None:
    assert suggest_fix(category, value) == fix


def test_the_code_location_loads_without_great_expectations() -> None:
    """GX takes seconds to import: only a running check imports it."""
    code = "import sys, cockpit_pipelines.assets.quality; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


def test_raw_checks_attach_to_the_raw_assets_and_derived_checks_to_the_tables() -> None:
    (raw_check,) = checks_for("usage_events")
    assert raw_check.check_keys == {dg.AssetCheckKey(raw_key("usage_events"), CHECK_NAME)}
    (derived_check,) = checks_for("usage_hourly")
    assert derived_check.check_keys == {dg.AssetCheckKey(dg.AssetKey("usage_hourly"), CHECK_NAME)}
    assert checks_for("users") == []
    assert len({key for check in quality_checks for key in check.check_keys}) == len(quality_checks)


def test_the_nightly_job_runs_the_raw_checks_before_the_analytics() -> None:
    """Wired as the lead's nightly job: groups("analytics") plus the raw-table checks."""
    nightly = dg.define_asset_job("nightly", selection=NIGHTLY)
    defs = dg.Definitions(assets=[*raw_specs, *ANALYTICS], asset_checks=quality_checks,
                          jobs=[nightly], resources={"warehouse": WarehouseResource()})
    dg.Definitions.validate_loadable(defs)
    nodes = set(defs.resolve_job_def("nightly").graph.node_names())
    assert {f"raw__{t}_{CHECK_NAME}" for t in RAW_FAILURES} <= nodes
    assert {f"{t}_{CHECK_NAME}" for t in DERIVED} | set(DERIVED) <= nodes
    assert "metadata_compliance_scan" not in nodes
