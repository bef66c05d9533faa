"""Usage analytics: the seed-003 rollups of usage_events and the seed-001 token_usage daily trend.

usage_hourly and usage_daily are built one UTC day at a time from usage_events; usage_monthly is a
hierarchical rollup of usage_daily (so it stays correct after raw usage_events are archived);
token_usage_daily is built one day at a time from token_usage.
"""

import dagster as dg
import polars as pl

from cockpit_pipelines import builds
from cockpit_pipelines.assets.common import (
    PREVIEW_ROWS,
    DailyTable,
    analytics_asset,
    build_daily,
    conform,
    decimals_from_units,
    exclusive_write,
    materialize_result,
    numeric_units_sql,
    replace_in_transaction,
)
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.windows import Span, Window

USAGE_SOURCE = builds.USAGE_EVENTS
TOKEN_SOURCE = builds.TOKEN_USAGE

HOURLY_KEYS = ["bucket", "org_id", "project_id", "model"]
DAILY_KEYS = [*HOURLY_KEYS, "user_id"]
MONTHLY_KEYS = HOURLY_KEYS
TOKEN_KEYS = ["usage_date", "project_id", "provider"]
MONTHLY_INPUT = [*DAILY_KEYS, "request_count", "total_input_tokens", "total_output_tokens", "total_cost_cents"]

USAGE_EVENT_COLUMNS: dict[str, pl.DataType] = {
    "time": pl.Datetime("us"),
    "org_id": pl.String,
    "project_id": pl.String,
    "user_id": pl.String,
    "model": pl.String,
    "status": pl.String,
    "input_tokens": pl.Int64,
    "output_tokens": pl.Int64,
    "cache_read_tokens": pl.Int64,
    "cost_cents": pl.Int64,
    "latency_ms": pl.Int64,
}

DAILY_EVENT_COLUMNS: dict[str, pl.DataType] = {
    name: USAGE_EVENT_COLUMNS[name]
    for name in ("time", "org_id", "project_id", "model", "user_id", "input_tokens", "output_tokens", "cost_cents",
                 "latency_ms")
}

USAGE_HOURLY_COLUMNS: dict[str, pl.DataType] = {
    "bucket": pl.Datetime("us"),
    "org_id": pl.String,
    "project_id": pl.String,
    "model": pl.String,
    "request_count": pl.Int64,
    "success_count": pl.Int64,
    "error_count": pl.Int64,
    "total_input_tokens": pl.Int64,
    "total_output_tokens": pl.Int64,
    "total_cache_read_tokens": pl.Int64,
    "total_cost_cents": pl.Int64,
    "avg_latency_ms": pl.Float64,
    "p50_latency_ms": pl.Float64,
    "p95_latency_ms": pl.Float64,
    "p99_latency_ms": pl.Float64,
    "unique_users": pl.Int64,
}

USAGE_DAILY_COLUMNS: dict[str, pl.DataType] = {
    "bucket": pl.Datetime("us"),
    "org_id": pl.String,
    "project_id": pl.String,
    "model": pl.String,
    "user_id": pl.String,
    "request_count": pl.Int64,
    "total_input_tokens": pl.Int64,
    "total_output_tokens": pl.Int64,
    "total_cost_cents": pl.Int64,
    "avg_latency_ms": pl.Float64,
}

USAGE_MONTHLY_COLUMNS: dict[str, pl.DataType] = {
    "bucket": pl.Date,  # the first day of the month
    "org_id": pl.String,
    "project_id": pl.String,
    "model": pl.String,
    "request_count": pl.Int64,
    "total_input_tokens": pl.Int64,
    "total_output_tokens": pl.Int64,
    "total_cost_cents": pl.Int64,
    "unique_users": pl.Int64,
    "active_days": pl.Int64,
}

TOKEN_USAGE_COLUMNS: dict[str, pl.DataType] = {
    "timestamp": pl.Datetime("us"),
    "project_id": pl.String,
    "provider": pl.String,
    "input_tokens": pl.Int64,
    "output_tokens": pl.Int64,
    "total_cost": pl.Decimal(10, 4),
}

TOKEN_USAGE_DAILY_COLUMNS: dict[str, pl.DataType] = {
    "usage_date": pl.Date,
    "project_id": pl.String,
    "provider": pl.String,
    "request_count": pl.Int64,
    "total_input": pl.Int64,
    "total_output": pl.Int64,
    "daily_cost": pl.Decimal(14, 4),
}


def _distinct_count(column: str) -> pl.Expr:
    """SQL's COUNT(DISTINCT x): NULL is not a value."""
    return pl.col(column).drop_nulls().n_unique().cast(pl.Int64)


def _latency_parts(*quantiles: float) -> dict[str, pl.Expr]:
    """Per-group latency sum and count, and raw percentiles, to finish with `_latency` after the group_by."""
    latency = pl.col("latency_ms")
    parts = {"latency_sum": latency.sum(), "latency_n": latency.count()}
    parts.update({f"_q{q}": latency.quantile(q, interpolation="linear") for q in quantiles})
    return parts


def _latency(**percentiles: float) -> dict[str, pl.Expr]:
    """avg_latency_ms and the named percentiles (double precision, as in the seed's aggregate).

    The average is the exact integer sum over the count in one IEEE division: the double nearest to
    the true mean (a float sum of floats would depend on the summation order).
    """
    n = pl.col("latency_n")
    columns = {"avg_latency_ms": pl.when(n > 0).then(pl.col("latency_sum").cast(pl.Float64) / n)}
    columns.update({name: pl.col(f"_q{q}") for name, q in percentiles.items()})
    return columns


# --- transforms ----------------------------------------------------------------------------------


def compute_usage_hourly(events: pl.DataFrame) -> pl.DataFrame:
    """usage_hourly: by (hour, org_id, project_id, model), as seed 003's continuous aggregate."""
    status = pl.col("status")
    return (
        conform(events, USAGE_EVENT_COLUMNS)
        .with_columns(bucket=pl.col("time").dt.truncate("1h"))
        .group_by(HOURLY_KEYS)
        .agg(
            request_count=pl.len().cast(pl.Int64),
            success_count=(status == "success").sum().cast(pl.Int64),
            error_count=(status == "error").sum().cast(pl.Int64),
            total_input_tokens=pl.col("input_tokens").sum(),
            total_output_tokens=pl.col("output_tokens").sum(),
            total_cache_read_tokens=pl.col("cache_read_tokens").sum(),
            total_cost_cents=pl.col("cost_cents").sum(),
            unique_users=_distinct_count("user_id"),
            **_latency_parts(0.5, 0.95, 0.99),
        )
        .with_columns(**_latency(p50_latency_ms=0.5, p95_latency_ms=0.95, p99_latency_ms=0.99))
        .select(list(USAGE_HOURLY_COLUMNS))
        .sort(HOURLY_KEYS, nulls_last=True)
        .collect()
    )


def compute_usage_daily(events: pl.DataFrame) -> pl.DataFrame:
    """usage_daily: by (day, org_id, project_id, model, user_id); a null user_id is its own group."""
    return (
        conform(events, DAILY_EVENT_COLUMNS)
        .with_columns(bucket=pl.col("time").dt.truncate("1d"))
        .group_by(DAILY_KEYS)
        .agg(
            request_count=pl.len().cast(pl.Int64),
            total_input_tokens=pl.col("input_tokens").sum(),
            total_output_tokens=pl.col("output_tokens").sum(),
            total_cost_cents=pl.col("cost_cents").sum(),
            **_latency_parts(),
        )
        .with_columns(**_latency())
        .select(list(USAGE_DAILY_COLUMNS))
        .sort(DAILY_KEYS, nulls_last=True)
        .collect()
    )


def compute_usage_monthly(daily: pl.DataFrame) -> pl.DataFrame:
    """usage_monthly from usage_daily rows: sums of the daily sums, distinct users and active days.

    Equal to seed 003's monthly aggregate of the raw events: every usage_daily row stands for at least
    one event of its user on its day.
    """
    return (
        conform(daily, {name: USAGE_DAILY_COLUMNS[name] for name in MONTHLY_INPUT})
        .with_columns(day=pl.col("bucket").dt.date(), bucket=pl.col("bucket").dt.truncate("1mo").dt.date())
        .group_by(MONTHLY_KEYS)
        .agg(
            request_count=pl.col("request_count").sum(),
            total_input_tokens=pl.col("total_input_tokens").sum(),
            total_output_tokens=pl.col("total_output_tokens").sum(),
            total_cost_cents=pl.col("total_cost_cents").sum(),
            unique_users=_distinct_count("user_id"),
            active_days=_distinct_count("day"),
        )
        .select(list(USAGE_MONTHLY_COLUMNS))
        .sort(MONTHLY_KEYS, nulls_last=True)
        .collect()
    )


def compute_token_usage_daily(usage: pl.DataFrame) -> pl.DataFrame:
    """token_usage_daily: seed 001's 30-day trend query per (day, project_id, provider), with request counts."""
    return (
        conform(usage, TOKEN_USAGE_COLUMNS)
        .group_by(pl.col("timestamp").dt.date().alias("usage_date"), "project_id", "provider")
        .agg(
            request_count=pl.len().cast(pl.Int64),
            total_input=pl.col("input_tokens").sum(),
            total_output=pl.col("output_tokens").sum(),
            daily_cost=pl.col("total_cost").sum().cast(pl.Decimal(14, 4)),
        )
        .select(list(TOKEN_USAGE_DAILY_COLUMNS))
        .sort(TOKEN_KEYS, nulls_last=True)
        .collect()
    )


def usage_daily_trend(daily: pl.DataFrame) -> pl.DataFrame:
    """Requests, users and cost per day."""
    return (
        daily.group_by(pl.col("bucket").dt.date().alias("day"))
        .agg(
            requests=pl.col("request_count").sum(),
            users=_distinct_count("user_id"),
            total_cost_cents=pl.col("total_cost_cents").sum(),
        )
        .sort("day")
    )


# --- reads ---------------------------------------------------------------------------------------


def read_usage_events(warehouse: WarehouseResource, span: Span, columns: list[str]) -> pl.DataFrame:
    """The columns of the span's usage_events; uuids as 16 bytes where the engine reads them so."""
    return warehouse.read_frame(
        f"SELECT {', '.join(columns)} FROM usage_events WHERE {USAGE_SOURCE.filter_sql(warehouse.engine_family())}",
        span.params(),
        binary_uuids=True,
    )


def read_usage_daily(warehouse: WarehouseResource, window: Window) -> pl.DataFrame:
    return warehouse.read_frame(
        f"SELECT {', '.join(MONTHLY_INPUT)} FROM usage_daily WHERE bucket >= :start AND bucket < :end", window.params()
    )


def read_token_usage(warehouse: WarehouseResource, span: Span) -> pl.DataFrame:
    """The span's token_usage rows; total_cost travels as its integer count of 10^-4 units."""
    cost = TOKEN_USAGE_COLUMNS["total_cost"]
    columns = [c for c in TOKEN_USAGE_COLUMNS if c != "total_cost"]
    family = warehouse.engine_family()
    units = numeric_units_sql("total_cost", cost.scale, family)
    frame = warehouse.read_frame(
        f"SELECT {', '.join(columns)}, {units} FROM token_usage WHERE {TOKEN_SOURCE.filter_sql(family)}",
        span.params(), binary_uuids=True,
    )
    return decimals_from_units(frame, {"total_cost": cost})


# --- assets --------------------------------------------------------------------------------------

@analytics_asset(
    "usage_hourly",
    deps=[USAGE_SOURCE.key],
    description="Hourly usage per org, project and model from usage_events (seed 003 continuous aggregate): "
    "requests, tokens, cost, latency average and percentiles, distinct users.",
)
def usage_hourly_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    return build_daily(
        context,
        warehouse,
        DailyTable("usage_hourly", "bucket", dates=False, source=USAGE_SOURCE, hourly=True),
        read=lambda window: read_usage_events(warehouse, window, list(USAGE_EVENT_COLUMNS)),
        compute=lambda events, _window: compute_usage_hourly(events),
    )


@analytics_asset(
    "usage_daily",
    deps=[USAGE_SOURCE.key],
    description="Daily usage per org, project, model and user from usage_events (seed 003 continuous "
    "aggregate); a null user_id is its own group. The source of usage_monthly.",
)
def usage_daily_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    return build_daily(
        context,
        warehouse,
        DailyTable("usage_daily", "bucket", dates=False, source=USAGE_SOURCE),
        read=lambda window: read_usage_events(warehouse, window, list(DAILY_EVENT_COLUMNS)),
        compute=lambda events, _window: compute_usage_daily(events),
        trend=usage_daily_trend,
    )


@analytics_asset(
    "usage_monthly",
    deps=[dg.AssetKey("usage_daily")],
    description="Monthly usage per org, project and model, rolled up from usage_daily so that it stays "
    "correct after raw usage_events are archived; every month the window touches is recomputed whole.",
)
def usage_monthly_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    window = Window.from_context(context)
    months = window.month_chunks()
    written = source_rows = 0
    preview = pl.DataFrame()
    for month in months:
        # The month's usage_daily rows are read while holding usage_monthly's lock: runs over days of one
        # month (a backfill fanned out to run workers) then recompute it one after the other, and the last
        # one reads every day the others wrote.
        with exclusive_write(warehouse, "usage_monthly") as conn:
            daily = read_usage_daily(warehouse, month)
            monthly = compute_usage_monthly(daily)
            written += replace_in_transaction(warehouse, conn, "usage_monthly", monthly, column="bucket",
                                              window=month, dates=True)
        source_rows += daily.height
        if preview.is_empty():
            preview = monthly.head(PREVIEW_ROWS)
        context.log.info(f"usage_monthly {month.start:%Y-%m}: {daily.height} usage_daily rows, {monthly.height} rows")
        del daily, monthly  # one month in memory at a time
    return materialize_result(
        window,
        rows_written=written,
        source_rows=source_rows,
        preview=preview,
        extra={"months_processed": dg.MetadataValue.json([f"{m.start:%Y-%m}" for m in months])},
    )


@analytics_asset(
    "token_usage_daily",
    deps=[TOKEN_SOURCE.key],
    description="Daily token usage per project and provider from token_usage (seed 001 30-day trend query): "
    "requests, input and output tokens, cost.",
)
def token_usage_daily_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    return build_daily(
        context,
        warehouse,
        DailyTable("token_usage_daily", "usage_date", dates=True, source=TOKEN_SOURCE),
        read=lambda window: read_token_usage(warehouse, window),
        compute=lambda usage, _window: compute_token_usage_daily(usage),
    )
