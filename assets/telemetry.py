"""Telemetry analytics: metrics_hourly, the seed-004 hourly rollup of the 5-minute `metrics` rows."""


import dagster as dg
import polars as pl

from cockpit_pipelines import builds
from cockpit_pipelines.assets.common import DailyTable, analytics_asset, build_daily, conform
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.windows import Span

SOURCE = builds.METRICS

KEYS = ["bucket", "asset_id", "metric_type", "metric_name", "tenant_id"]

METRICS_COLUMNS: dict[str, pl.DataType] = {
    "timestamp": pl.Datetime("us"),
    "asset_id": pl.String,
    "metric_type": pl.String,
    "metric_name": pl.String,
    "tenant_id": pl.String,
    "value_avg": pl.Float64,
    "value_min": pl.Float64,
    "value_max": pl.Float64,
    "value_p95": pl.Float64,
    "value_p99": pl.Float64,
}

METRICS_HOURLY_COLUMNS: dict[str, pl.DataType] = {
    "bucket": pl.Datetime("us"),
    "asset_id": pl.String,
    "metric_type": pl.String,
    "metric_name": pl.String,
    "tenant_id": pl.String,
    "count": pl.Int64,
    "avg_value": pl.Float64,
    "min_value": pl.Float64,
    "max_value": pl.Float64,
    "p95_value": pl.Float64,
    "p99_value": pl.Float64,
}


def read_metrics(warehouse: WarehouseResource, window: Span) -> pl.DataFrame:
    """The 5-minute metrics rows of the window (`value_count` only feeds the partition fingerprint)."""
    columns = [*METRICS_COLUMNS, "value_count"]
    return warehouse.read_frame(
        f"SELECT {', '.join(columns)} FROM metrics WHERE {SOURCE.filter_sql(warehouse.engine_family())}",
        {**window.params(), **SOURCE.params},
    )


def compute_metrics_hourly(metrics: pl.DataFrame) -> pl.DataFrame:
    """metrics_hourly from 5-minute metrics rows (the caller filters time_bucket = 5 minutes).

    The rows are ordered first (eagerly: the lazy optimizer drops a sort before a group_by): a float
    average depends on the order of its terms, and each engine returns the rows in its own order, while
    the same raw rows must give the same doubles everywhere.
    """
    ordered = metrics.sort("timestamp", "value_avg", nulls_last=True)
    return (
        conform(ordered, METRICS_COLUMNS)
        .with_columns(bucket=pl.col("timestamp").dt.truncate("1h"))
        .group_by(KEYS)
        .agg(
            count=pl.len().cast(pl.Int64),
            avg_value=pl.col("value_avg").mean(),
            min_value=pl.col("value_min").min(),
            max_value=pl.col("value_max").max(),
            p95_value=pl.col("value_p95").quantile(0.95, interpolation="linear"),
            p99_value=pl.col("value_p99").quantile(0.99, interpolation="linear"),
        )
        .select(list(METRICS_HOURLY_COLUMNS))
        .sort(KEYS, nulls_last=True)
        .collect()
    )


@analytics_asset(
    "metrics_hourly",
    deps=[SOURCE.key],
    description="Hourly rollup of the 5-minute `metrics` rows per asset, metric and tenant (seed 004 "
    "continuous aggregate): count, average, min, max, p95 and p99.",
)
def metrics_hourly_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    return build_daily(
        context,
        warehouse,
        DailyTable("metrics_hourly", "bucket", dates=False, source=SOURCE),
        read=lambda window: read_metrics(warehouse, window),
        compute=lambda metrics, _window: compute_metrics_hourly(metrics),
    )
