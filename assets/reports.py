"""Seed 001's reports as daily tables: high_impact_changes (the "High-Impact Changes Report") and
clock_drift_daily (seed 000/001's < 10 ms clock drift target), with the drift target's warning check.

high_impact_changes for day D covers the sync_buffer changes created in [D-6, D+1) joined with their
propagation_log rows. A change's figures do not depend on D, only whether it is in D's seven days: each
change is aggregated once and ranked in every report day it belongs to.
"""

import warnings
from datetime import timedelta

import dagster as dg
import polars as pl

from cockpit_pipelines import builds
from cockpit_pipelines.assets.common import (
    DAY,
    DailyTable,
    analytics_asset,
    build_daily,
    conform,
    exact_ratio,
    markdown_table,
    materialize_result,
    record_partition_builds,
    replace_window,
    source_stats,
)
from cockpit_pipelines.assets.raw import raw_key
from cockpit_pipelines.engines.sqltext import utc_bound
from cockpit_pipelines.partitions import daily_partitions, partition_window
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import POLICIES_DIR, read_yaml
from cockpit_pipelines.windows import Span, Window

HIGH_IMPACT = "high_impact_changes"
CLOCK_DRIFT = "clock_drift_daily"
CHANGES = builds.SYNC_BUFFER
CLOCK = builds.CLOCK_SYNC
REPORT_DAYS = 7  # a report covers the 7 days ending with its day
MIN_DASHBOARDS = 4  # "touched more than 3 dashboards"
TOP = 10
DRIFT_POLICY = POLICIES_DIR / "clock_drift.yaml"

SHARE = pl.Decimal(5, 2)
DURATION = pl.Decimal(10, 2)

PROPAGATION_COLUMNS: dict[str, pl.DataType] = {
    "change_id": pl.String,
    "change_type": pl.String,
    "created_at": pl.Datetime("us"),
    "affected_dashboard_id": pl.String,
    "token_cost": pl.Int64,
    "duration_ms": pl.Int64,
}

HIGH_IMPACT_COLUMNS: dict[str, pl.DataType] = {
    "report_date": pl.Date,
    "change_id": pl.String,
    "change_type": pl.String,
    "affected_dashboards": pl.Int64,
    "total_token_cost": pl.Int64,
    "avg_duration_ms": DURATION,
    "rank": pl.Int32,
}

CLOCK_COLUMNS: dict[str, pl.DataType] = {
    "component_name": pl.String,
    "offset_microseconds": pl.Int64,
    "last_sync_at": pl.Datetime("us"),
    "status": pl.String,
}

CLOCK_DRIFT_COLUMNS: dict[str, pl.DataType] = {
    "day": pl.Date,
    "component_name": pl.String,
    "samples": pl.Int64,
    "max_abs_offset_us": pl.Int64,
    "p95_abs_offset_us": pl.Float64,
    "synchronized_share": SHARE,
    "drifting_share": SHARE,
    "error_share": SHARE,
}


# --- high_impact_changes --------------------------------------------------------------------------


def report_span(window: Window) -> Span:
    """The sync_buffer creation times the window's reports read: the 6 days before it, and the window."""
    return Span(window.start - DAY * (REPORT_DAYS - 1), window.end)


def read_propagations(warehouse: WarehouseResource, span: Span) -> pl.DataFrame:
    """The sync_buffer changes created in the span, one row per propagation_log row of each (one row
    with null propagation columns for a change without any: every change counts in the ledger)."""
    start, end = (utc_bound(f":{bound}", "timestamptz", warehouse.engine_family()) for bound in ("start", "end"))
    return warehouse.read_frame(
        "SELECT sb.id AS change_id, sb.change_type, sb.created_at, pl.affected_dashboard_id, pl.token_cost, "
        "pl.duration_ms FROM sync_buffer sb LEFT JOIN propagation_log pl ON pl.sync_buffer_id = sb.id "
        f"WHERE sb.created_at >= {start} AND sb.created_at < {end}",
        span.params(),
    )


def compute_high_impact_changes(propagations: pl.DataFrame, window: Window) -> pl.DataFrame:
    """One row per (report day of the window, change) among each day's top 10 by token cost."""
    changes = (
        conform(propagations, PROPAGATION_COLUMNS)
        .group_by("change_id", "change_type")
        .agg(
            created=pl.col("created_at").min().dt.date(),
            affected_dashboards=pl.col("affected_dashboard_id").drop_nulls().n_unique().cast(pl.Int64),
            cost=pl.col("token_cost").sum(),
            costed=pl.col("token_cost").count(),
            duration=pl.col("duration_ms").sum(),
            timed=pl.col("duration_ms").count(),
        )
        .filter(pl.col("affected_dashboards") >= MIN_DASHBOARDS)
        .select(
            "change_id",
            "change_type",
            "affected_dashboards",
            "created",
            total_token_cost=pl.when(pl.col("costed") > 0).then(pl.col("cost")),
            avg_duration_ms=exact_ratio(pl.col("duration"), pl.col("timed"), DURATION),
        )
    )
    report_days = pl.LazyFrame({"report_date": window.days}, schema={"report_date": pl.Date})
    in_reports = changes.join(report_days, how="cross").filter(
        (pl.col("created") <= pl.col("report_date"))
        & (pl.col("created") > pl.col("report_date") - timedelta(days=REPORT_DAYS))
    )
    return (
        in_reports.sort(["report_date", "total_token_cost", "change_id"], descending=[False, True, False],
                        nulls_last=True)
        .with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("report_date"))
        .filter(pl.col("rank") <= TOP)
        .select(list(HIGH_IMPACT_COLUMNS))
        .collect()
    )


@analytics_asset(
    HIGH_IMPACT,
    deps=[CHANGES.key, raw_key("propagation_log")],
    description="Seed 001 High-Impact Changes Report per UTC day: the sync_buffer changes of the 7 days "
    "ending with the day that were propagated to more than 3 dashboards, the top 10 by token cost.",
)
def high_impact_changes_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    window = Window.from_context(context)
    propagations = read_propagations(warehouse, report_span(window))
    report = compute_high_impact_changes(propagations, window)
    written = replace_window(warehouse, HIGH_IMPACT, report, column="report_date", window=window, dates=True)
    own_days = propagations.filter(pl.col("created_at") >= window.start).unique("change_id")  # the window's changes
    record_partition_builds(warehouse, context.asset_key, source_stats(own_days, CHANGES, window.days), window,
                            context.run.run_id)
    context.log.info(f"{HIGH_IMPACT}: {len(window.days)} days, {report.height} rows from "
                     f"{propagations['change_id'].n_unique()} propagated changes")
    return materialize_result(
        window,
        rows_written=written,
        source_rows=propagations.height,
        preview=report.head(TOP),
        trend=report.group_by("report_date").agg(
            changes=pl.len(), top_token_cost=pl.col("total_token_cost").max()
        ).sort("report_date"),
    )


# --- clock_drift_daily ----------------------------------------------------------------------------


def read_clock_samples(warehouse: WarehouseResource, span: Span) -> pl.DataFrame:
    family = warehouse.engine_family()
    return warehouse.read_frame(
        f"SELECT {', '.join(CLOCK_COLUMNS)} FROM clock_sync_status WHERE {CLOCK.filter_sql(family)}",
        span.params(),
    )


def compute_clock_drift_daily(samples: pl.DataFrame) -> pl.DataFrame:
    """Per UTC day and component: samples, max and p95 |offset|, the status shares."""
    offset = pl.col("offset_microseconds").abs()
    status = pl.col("status")
    samples_n = pl.len().cast(pl.Int64)

    def share(name: str) -> pl.Expr:
        return exact_ratio((status == name).sum() * 100, samples_n, SHARE)

    return (
        conform(samples, CLOCK_COLUMNS)
        .group_by(day=pl.col("last_sync_at").dt.date(), component_name="component_name")
        .agg(
            samples=samples_n,
            max_abs_offset_us=offset.max(),
            p95_abs_offset_us=offset.cast(pl.Float64).quantile(0.95, interpolation="linear"),
            synchronized_share=share("synchronized"),
            drifting_share=share("drifting"),
            error_share=share("error"),
        )
        .select(list(CLOCK_DRIFT_COLUMNS))
        .sort("day", "component_name")
        .collect()
    )


@analytics_asset(
    CLOCK_DRIFT,
    deps=[CLOCK.key],
    description="Daily clock drift per component from clock_sync_status (seed 000/001, < 10 ms target): "
    "samples, max and p95 |offset|, shares synchronized / drifting / error.",
)
def clock_drift_daily_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    return build_daily(
        context,
        warehouse,
        DailyTable(CLOCK_DRIFT, "day", dates=True, source=CLOCK),
        read=lambda span: read_clock_samples(warehouse, span),
        compute=lambda samples, _window: compute_clock_drift_daily(samples),
        trend=lambda rows: rows.group_by("day").agg(
            components=pl.len(), max_abs_offset_us=pl.col("max_abs_offset_us").max()
        ).sort("day"),
    )


def drift_limit_us() -> int:
    """The drift target of `policies/clock_drift.yaml`, in microseconds."""
    return int(read_yaml(DRIFT_POLICY)["max_abs_offset_us"])


def components_over(warehouse: WarehouseResource, window: Window, limit_us: int) -> pl.DataFrame:
    """component_name, days, worst_offset_us, worst_day of the components whose max |offset| of a day
    of the window reached the limit (worst first)."""
    rows = warehouse.read_frame(
        f"SELECT day, component_name, max_abs_offset_us FROM {CLOCK_DRIFT} "
        "WHERE day >= :start AND day < :end AND max_abs_offset_us >= :limit_us",
        {**window.date_params(), "limit_us": limit_us},
    )
    return (
        rows.sort("max_abs_offset_us", "day", descending=[True, False])
        .group_by("component_name", maintain_order=True)
        .agg(days=pl.len(), worst_offset_us=pl.col("max_abs_offset_us").first(), worst_day=pl.col("day").first())
    )


def _drift_target(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    window = partition_window(context)
    limit = drift_limit_us()
    over = components_over(warehouse, window, limit)
    names = over["component_name"].to_list()
    description = (f"every component's max |offset| stayed below {limit} µs in {window}" if not names else
                   f"{len(names)} component(s) reached {limit} µs in {window}: {', '.join(names)}")
    context.log.info(description)
    return dg.AssetCheckResult(
        passed=not names,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "limit_us": dg.MetadataValue.int(limit),
            "window": dg.MetadataValue.text(str(window)),
            "components": dg.MetadataValue.json(names),
            "components_over_target": dg.MetadataValue.md(markdown_table(over, rows=None) if names else "none"),
        },
    )


# Partitioned asset checks are a preview feature in Dagster 1.13 (a result per day in the UI).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)
    clock_drift_target = dg.asset_check(
        asset=dg.AssetKey(CLOCK_DRIFT),
        name="drift_target",
        description="Warns when a component's max |offset| of a day reaches the clock drift target "
        "(policies/clock_drift.yaml, seed 000/001: < 10 ms); the metadata names those components.",
        partitions_def=daily_partitions,
        metadata={"policy": "cockpit_pipelines/policies/clock_drift.yaml"},
    )(_drift_target)
