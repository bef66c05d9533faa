"""The dashboard queries (sql/dashboards/) and the two report tables (high_impact_changes,
clock_drift_daily) on PostgreSQL and MariaDB, over a small generated dataset and its analytics:
each report equals its SQL definition (sql/analytics/), and each dashboard query returns what an
independent computation from the raw rows (in Polars) returns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import polars as pl
import pytest
from analytics_testkit import assert_same_rows, insert, materialize, sql_definition, stored_rows

from cockpit_pipelines.assets import governance, rag, reports, telemetry, usage
from cockpit_pipelines.assets.reports import (
    CLOCK_DRIFT_COLUMNS,
    HIGH_IMPACT_COLUMNS,
    compute_clock_drift_daily,
    compute_high_impact_changes,
    drift_limit_us,
)
from cockpit_pipelines.dashboards import DashboardError, dashboard_names, dashboards, load_dashboard
from cockpit_pipelines.generator.load import generate
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.windows import Window

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 10)
AS_OF = datetime(2026, 3, 10, 18)  # an hour boundary inside the last day
SCALE = 0.02
EDGE_CORRELATION = "00000000-0000-4000-c000-000000000001"  # strong, in the hour before AS_OF, with an old event
ANALYTICS = [rag.rag_metrics_history_asset, usage.usage_hourly_asset, usage.usage_daily_asset,
             usage.usage_monthly_asset, usage.token_usage_daily_asset, telemetry.metrics_hourly_asset,
             governance.compliance_scores_asset, reports.high_impact_changes_asset, reports.clock_drift_daily_asset,
             reports.clock_drift_target]


# --- the Polars transforms on hand-made rows ------------------------------------------------------


def _propagations(*changes: tuple[str, datetime, list[str], list[int | None]]) -> pl.DataFrame:
    rows = [{"change_id": cid, "change_type": "layout_move", "created_at": at, "affected_dashboard_id": d,
             "token_cost": cost, "duration_ms": 101} for cid, at, dashes, costs in changes
            for d, cost in zip(dashes, costs, strict=True)]
    return pl.DataFrame(rows, schema={"change_id": pl.String, "change_type": pl.String, "created_at": pl.Datetime("us"),
                                      "affected_dashboard_id": pl.String, "token_cost": pl.Int64,
                                      "duration_ms": pl.Int64})


def test_high_impact_ranks_by_cost_nulls_last_ties_by_id_within_seven_days() -> None:
    day = datetime(2026, 3, 8, 12)
    four = ["d1", "d2", "d3", "d4"]
    frame = _propagations(
        ("c-b", day, four, [5, 5, 5, 5]),
        ("c-a", day, four, [10, 5, 2, 3]),  # the same total as c-b: the tie goes by change_id
        ("c-null", day, four, [None] * 4),  # no cost: last
        ("c-three", day, ["d1", "d2", "d3", "d3", "d3"], [100] * 5),  # 3 distinct dashboards only
        ("c-old", day - timedelta(days=7), four, [999] * 4),  # outside the 7 days ending with 2026-03-08
        ("c-edge", day - timedelta(days=6, hours=12), four, [1] * 4),  # 2026-03-02: the first of the 7 days
    )
    out = compute_high_impact_changes(frame, Window.of_days(date(2026, 3, 8), date(2026, 3, 8)))
    assert out.schema == pl.Schema(HIGH_IMPACT_COLUMNS)
    assert out["change_id"].to_list() == ["c-a", "c-b", "c-edge", "c-null"]
    assert out["rank"].to_list() == [1, 2, 3, 4]
    null_row = out.row(3, named=True)
    assert null_row["total_token_cost"] is None and null_row["avg_duration_ms"] == Decimal("101.00")


def test_high_impact_keeps_ten_a_day() -> None:
    day = datetime(2026, 3, 8)
    frame = _propagations(*((f"c{i:02d}", day, ["a", "b", "c", "d"], [i] * 4) for i in range(15)))
    out = compute_high_impact_changes(frame, Window.of_days(date(2026, 3, 8), date(2026, 3, 9)))
    assert out.group_by("report_date").len().sort("report_date")["len"].to_list() == [10, 10]
    assert out["change_id"].head(1).item() == "c14"


def test_clock_drift_of_a_day() -> None:
    frame = pl.DataFrame({
        "component_name": ["api"] * 4 + ["ui"],
        "offset_microseconds": [-12_000, 100, 200, -300, 5],
        "last_sync_at": [datetime(2026, 3, 1, h) for h in (1, 2, 3, 4, 5)],
        "status": ["drifting", "synchronized", "synchronized", "error", "synchronized"],
    })
    out = compute_clock_drift_daily(frame)
    assert out.schema == pl.Schema(CLOCK_DRIFT_COLUMNS)
    api = out.row(0, named=True)
    assert (api["samples"], api["max_abs_offset_us"]) == (4, 12_000)
    assert api["p95_abs_offset_us"] == pytest.approx(300 + 0.85 * 11_700)
    assert (api["synchronized_share"], api["drifting_share"], api["error_share"]) == (
        Decimal("50.00"), Decimal("25.00"), Decimal("25.00"))


# --- the query library ------------------------------------------------------------------------------


def test_both_families_hold_the_same_queries_targets_and_parameters() -> None:
    assert dashboard_names("postgresql") == dashboard_names("mysql")
    assert {"token_trend", "compliance_dashboard", "high_impact_changes", "rag_daily_metrics",
            "usage_by_org_hourly", "usage_per_project_month", "recent_events_by_asset", "metrics_aggregated",
            "cross_module_correlation", "open_violations", "clock_drift"} <= set(dashboard_names())
    for pg, my in zip(dashboards("postgresql"), dashboards("mysql"), strict=True):
        assert (pg.name, pg.kind, pg.targets, pg.params, pg.seed) == (my.name, my.kind, my.targets, my.params, my.seed)
        percentiles = {t.percentile: t.ms for t in pg.targets}
        assert percentiles.get(99) == 100  # seed 000: every dashboard query
        assert percentiles.get(50 if pg.kind == "recent" else 95) == (25 if pg.kind == "recent" else 50)
    with pytest.raises(DashboardError, match="does not exist"):
        load_dashboard("no_such_dashboard", "postgresql")


# --- on the engines ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(module_warehouse: WarehouseResource) -> Iterator[tuple[WarehouseResource, dg.ExecuteInProcessResult]]:
    warehouse = module_warehouse
    generate(warehouse.engine, FIRST, (LAST - FIRST).days + 1, scale=SCALE, seed=5)
    _add_edge_changes(warehouse)
    _add_edge_correlations(warehouse)
    result = materialize(ANALYTICS, warehouse, FIRST, LAST)
    assert result.success
    yield warehouse, result


def _add_edge_changes(warehouse: WarehouseResource) -> None:
    """Changes the generator does not make: a tie on cost (at the top), a change without any token cost (never
    in a top 10 among the generator's changes; the Polars test covers it)."""
    project = warehouse.query("SELECT MIN(CAST(id AS CHAR(36))) FROM projects" if warehouse.engine_family() == "mysql"
                              else "SELECT MIN(CAST(id AS text)) FROM projects")[0][0]
    at = datetime(2026, 3, 9, 6)
    changes = ["00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b",
               "00000000-0000-4000-8000-00000000000c"]
    insert(warehouse, "sync_buffer", pl.DataFrame({
        "id": changes, "project_id": [project] * 3, "change_type": ["layout_move"] * 3,
        "payload": ['{"change": "edge"}'] * 3, "status": ["PROPAGATED"] * 3, "created_at": [at] * 3}))
    costs: list[int | None] = [50_000] * 5 + [50_000] * 5 + [None] * 5
    insert(warehouse, "propagation_log", pl.DataFrame({
        "id": [f"00000000-0000-4000-9000-{i:012d}" for i in range(15)],
        "sync_buffer_id": [c for c in changes for _ in range(5)],
        "affected_dashboard_id": [f"00000000-0000-4000-a000-{i % 5:012d}" for i in range(15)],
        "propagation_type": ["full"] * 15, "status": ["SUCCESS"] * 15, "token_cost": costs,
        "duration_ms": [10, 11, 12, 13, None] * 3, "created_at": [at + timedelta(minutes=1)] * 15},
        schema_overrides={"token_cost": pl.Int64}))


def _add_edge_correlations(warehouse: WarehouseResource) -> None:
    """Strong correlations of the hour before AS_OF the generator does not make: one between an event of the
    first day and one of the last (found outside the window's partitions), one with an event that does not
    exist (no row, as in the seed's join)."""
    cast = "CAST(id AS CHAR(36))" if warehouse.engine_family() == "mysql" else "CAST(id AS text)"

    def event(start: datetime, end: datetime) -> str:
        return warehouse.query(f"SELECT MIN({cast}) FROM events WHERE timestamp >= :start AND timestamp < :end",
                               {"start": start, "end": end})[0][0]

    first = datetime.combine(FIRST, datetime.min.time())
    old = event(first, first + timedelta(days=1))
    recent = event(AS_OF - timedelta(hours=3), AS_OF - timedelta(hours=2))
    missing = "00000000-0000-4000-b000-000000000000"
    at = AS_OF - timedelta(minutes=30)
    insert(warehouse, "correlations", pl.DataFrame({
        "id": [EDGE_CORRELATION, "00000000-0000-4000-c000-000000000002"],
        "timestamp": [at, at], "correlation_type": ["causal", "causal"], "primary_event_id": [old, missing],
        "related_event_id": [recent, recent], "strength": [0.99, 0.98], "confidence": [0.9, 0.9],
        "tenant_id": ["edge", "edge"], "metadata": [None, None], "created_at": [at, at]}))


def test_reports_equal_their_sql_definitions(served: tuple[WarehouseResource, Any]) -> None:
    warehouse, _ = served
    window = Window.of_days(FIRST, LAST)
    stored = stored_rows(warehouse, "high_impact_changes", HIGH_IMPACT_COLUMNS)
    assert_same_rows(stored, sql_definition(warehouse, "high_impact_changes", window), ["report_date", "change_id"])
    assert stored.height > 0
    tied = stored.filter((pl.col("report_date") == date(2026, 3, 9)) & (pl.col("total_token_cost") == 250_000))
    assert tied.sort("rank")["change_id"].to_list() == ["00000000-0000-4000-8000-00000000000a",
                                                        "00000000-0000-4000-8000-00000000000b"]
    drift = stored_rows(warehouse, "clock_drift_daily", CLOCK_DRIFT_COLUMNS)
    assert_same_rows(drift, sql_definition(warehouse, "clock_drift_daily", window), ["day", "component_name"],
                     float_columns=["p95_abs_offset_us"])
    assert sorted(set(drift["day"])) == window.days


def test_drift_check_warns_naming_the_components(served: tuple[WarehouseResource, Any]) -> None:
    warehouse, result = served
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "drift_target"]
    over = stored_rows(warehouse, "clock_drift_daily", ["component_name"], "max_abs_offset_us >= :limit",
                       {"limit": drift_limit_us()})
    named = evaluation.metadata["components"].value
    assert sorted(named) == sorted(set(over["component_name"])) and named  # the generator's drift has outliers
    assert not evaluation.passed and evaluation.severity.value == "WARN"


def _raw(warehouse: WarehouseResource, table: str, columns: str) -> pl.DataFrame:
    return warehouse.read_frame(f"SELECT {columns} FROM {table}")


def _run(warehouse: WarehouseResource, name: str, **params: Any) -> pl.DataFrame:
    query = load_dashboard(name, warehouse.engine_family())
    assert set(params) == set(query.params), name
    return warehouse.read_frame(query.sql, params)


def test_every_dashboard_query_runs_and_matches_the_raw_rows(served: tuple[WarehouseResource, Any]) -> None:
    warehouse, _ = served
    as_of, today = AS_OF, AS_OF.date()
    token = _raw(warehouse, "token_usage", "project_id, provider, input_tokens, output_tokens, total_cost, timestamp")
    project = token["project_id"].mode().sort()[0]
    trend = _run(warehouse, "token_trend", project_id=project, as_of=as_of)
    want = (token.filter((pl.col("project_id") == project) & (pl.col("timestamp") >= datetime(2026, 2, 9))
                         & (pl.col("timestamp") < datetime(2026, 3, 11)))
            .group_by(usage_date=pl.col("timestamp").dt.date(), provider="provider")
            .agg(total_input=pl.col("input_tokens").sum(), total_output=pl.col("output_tokens").sum(),
                 daily_cost=pl.col("total_cost").sum()))
    assert_same_rows(trend.with_columns(pl.col("daily_cost").cast(pl.Float64)),
                     want.with_columns(pl.col("daily_cost").cast(pl.Float64)), ["usage_date", "provider"],
                     float_columns=["daily_cost"])

    high = _run(warehouse, "high_impact_changes", as_of=as_of)
    reference = sql_definition(warehouse, "high_impact_changes", Window.of_days(today, today))
    assert high.select("change_id", "rank").to_dicts() == reference.select("change_id", "rank").to_dicts()

    events = _raw(warehouse, "usage_events",
                  "time, org_id, project_id, input_tokens, output_tokens, cost_cents, status")
    org = events["org_id"].mode().sort()[0]
    hourly = _run(warehouse, "usage_by_org_hourly", org_id=org, as_of=as_of)
    want = (events.filter((pl.col("org_id") == org) & (pl.col("time") >= as_of - timedelta(days=7))
                          & (pl.col("time") < as_of))
            .group_by(bucket=pl.col("time").dt.truncate("1h"))
            .agg(request_count=pl.len().cast(pl.Int64), error_count=(pl.col("status") == "error").sum().cast(pl.Int64),
                 total_input_tokens=pl.col("input_tokens").sum().cast(pl.Int64),
                 total_output_tokens=pl.col("output_tokens").sum().cast(pl.Int64),
                 total_cost_cents=pl.col("cost_cents").sum().cast(pl.Int64)))
    assert_same_rows(hourly, want, ["bucket"])
    monthly = _run(warehouse, "usage_per_project_month", org_id=org, as_of=as_of)
    want = (events.filter(pl.col("org_id") == org)
            .group_by(month=pl.col("time").dt.truncate("1mo").dt.date(), project_id="project_id")
            .agg(request_count=pl.len().cast(pl.Int64), total_input_tokens=pl.col("input_tokens").sum().cast(pl.Int64),
                 total_output_tokens=pl.col("output_tokens").sum().cast(pl.Int64),
                 total_cost_cents=pl.col("cost_cents").sum().cast(pl.Int64)))
    assert_same_rows(monthly, want, ["month", "project_id"])

    raw_events = _raw(warehouse, "events", "id, asset_id, timestamp, event_type")
    asset = raw_events["asset_id"].drop_nulls().mode().sort()[0]
    recent = _run(warehouse, "recent_events_by_asset", asset_id=asset, as_of=as_of)
    want = raw_events.filter((pl.col("asset_id") == asset) & (pl.col("timestamp") >= as_of - timedelta(hours=24))
                             & (pl.col("timestamp") < as_of))
    assert recent.height == min(want.height, 1000) > 0
    assert recent["timestamp"].to_list() == sorted(want["timestamp"].to_list(), reverse=True)[:1000]

    correlations = _raw(warehouse, "correlations", "id, primary_event_id, related_event_id, strength, timestamp")
    strong = _run(warehouse, "cross_module_correlation", as_of=as_of)
    want = correlations.filter((pl.col("timestamp") >= as_of - timedelta(hours=1)) & (pl.col("timestamp") < as_of)
                               & (pl.col("strength") > 0.8))
    types = raw_events.select("id", "event_type")
    want = (want.join(types.rename({"id": "primary_event_id", "event_type": "primary_type"}), on="primary_event_id")
            .join(types.rename({"id": "related_event_id", "event_type": "related_type"}), on="related_event_id")
            .sort(["strength", "id"], descending=[True, False]))
    assert strong.select("primary_event", "primary_type", "related_event", "related_type").rows() == want.select(
        "primary_event_id", "primary_type", "related_event_id", "related_type").rows()
    edge = correlations.filter(pl.col("id") == EDGE_CORRELATION)["primary_event_id"][0]
    assert edge in strong["primary_event"].to_list()  # an event of the first day, outside the window's partitions

    violations = _raw(warehouse, "metadata_violations", "id, status, detected_at")
    opened = _run(warehouse, "open_violations", as_of=as_of)
    want = violations.filter((pl.col("status") == "open") & (pl.col("detected_at") < as_of))
    newest = want.sort(["detected_at", "id"], descending=[True, False])["id"].head(100)
    assert opened["id"].to_list() == newest.to_list()

    dialogue = _raw(warehouse, "ai_dialogue_log", "created_at")
    rag_days = _run(warehouse, "rag_daily_metrics", as_of=as_of)
    want = dialogue.group_by(date=pl.col("created_at").dt.date()).agg(total_queries=pl.len().cast(pl.Int64))
    assert_same_rows(rag_days.select("date", "total_queries"), want, ["date"])

    compliance = _run(warehouse, "compliance_dashboard", as_of=as_of)
    reference = sql_definition(warehouse, "compliance_scores", Window.of_days(today, today))
    assert sorted(compliance["compliance_rate"].to_list()) == sorted(reference["compliance_rate"].to_list())

    metrics = _raw(warehouse, "metrics", "asset_id, metric_name, timestamp")
    metric = metrics.group_by("asset_id", "metric_name").len().sort("len", "asset_id", "metric_name").row(-1)
    aggregated = _run(warehouse, "metrics_aggregated", asset_id=metric[0], metric_name=metric[1], as_of=as_of)
    want = metrics.filter((pl.col("asset_id") == metric[0]) & (pl.col("metric_name") == metric[1])
                          & (pl.col("timestamp") >= as_of - timedelta(days=7)) & (pl.col("timestamp") < as_of))
    assert set(aggregated["bucket"]) == set(want["timestamp"].dt.truncate("1h"))

    samples = _raw(warehouse, "clock_sync_status", "component_name, offset_microseconds, last_sync_at")
    drift = _run(warehouse, "clock_drift", as_of=as_of, limit_us=drift_limit_us())
    want = (samples.filter(pl.col("last_sync_at") >= datetime(2026, 3, 4))
            .group_by(day=pl.col("last_sync_at").dt.date(), component_name="component_name")
            .agg(max_abs_offset_us=pl.col("offset_microseconds").abs().max()))
    assert_same_rows(drift.select("day", "component_name", "max_abs_offset_us"), want, ["day", "component_name"])
    assert drift["over_target"].to_list() == [int(m >= drift_limit_us()) for m in drift["max_abs_offset_us"]]
