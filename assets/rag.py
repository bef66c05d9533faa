"""RAG analytics: rag_metrics_history, one row per UTC day of ai_dialogue_log (seed 002, CONTRACTS.md)."""

import json
import operator
from collections.abc import Sequence
from datetime import date

import dagster as dg
import polars as pl
from pydantic import Field

from cockpit_pipelines import builds
from cockpit_pipelines.assets.common import (
    DailyTable,
    analytics_asset,
    build_daily,
    conform,
    decimal_units,
    decimals_from_units,
    exact_ratio,
    from_units,
    numeric_units_sql,
    pg_float_to_numeric,
)
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.slo import SloTarget, load_slo_targets
from cockpit_pipelines.windows import Span

TABLE = "rag_metrics_history"
SOURCE = builds.DIALOGUES

RATE = pl.Decimal(5, 2)
LATENCY = pl.Decimal(10, 2)

DIALOGUE_COLUMNS: dict[str, pl.DataType] = {
    "created_at": pl.Datetime("us"),
    "user_id": pl.String,
    "citation_length": pl.Int64,  # length of `citations` when it is a JSON array, else null
    "latency_ms": pl.Int64,
    "total_tokens": pl.Int64,
    "token_cost_jpy": pl.Decimal(8, 2),
    "relevance_score": pl.Decimal(3, 2),
    "user_feedback": pl.Int64,
}

RAG_METRICS_COLUMNS: dict[str, pl.DataType] = {
    "date": pl.Date,
    "total_queries": pl.Int64,
    "citation_rate": RATE,
    "citation_count": pl.Int64,
    "avg_latency_ms": LATENCY,
    "p50_latency_ms": LATENCY,
    "p95_latency_ms": LATENCY,
    "p99_latency_ms": LATENCY,
    "unique_users": pl.Int64,
    "total_tokens": pl.Int64,
    "total_cost": pl.Decimal(10, 2),
    "cost_per_answer": pl.Decimal(6, 2),
    "avg_relevance_score": pl.Decimal(3, 2),
    "positive_feedback_rate": RATE,
    "slo_compliance": pl.String,
}

_CITATION_LENGTH = {
    "postgresql": "CASE WHEN jsonb_typeof(citations) = 'array' THEN jsonb_array_length(citations) END",
    "mysql": "CASE WHEN JSON_TYPE(citations) = 'ARRAY' THEN JSON_LENGTH(citations) END",
}

_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def read_dialogue(warehouse: WarehouseResource, window: Span) -> pl.DataFrame:
    """The ai_dialogue_log columns rag_metrics_history needs, for rows created in the window (the
    decimals travel as integer counts of their units: `numeric_units_sql`)."""
    family = warehouse.engine_family()
    decimals = {c: DIALOGUE_COLUMNS[c] for c in ("token_cost_jpy", "relevance_score")}
    units = ", ".join(numeric_units_sql(c, dtype.scale, family) for c, dtype in decimals.items())
    frame = warehouse.read_frame(
        f"SELECT created_at, user_id, {_CITATION_LENGTH[family]} AS citation_length, latency_ms, total_tokens, "
        f"{units}, user_feedback FROM ai_dialogue_log WHERE {SOURCE.filter_sql(family)}",
        window.params(), binary_uuids=True,
    )
    return decimals_from_units(frame, decimals)


def slo_compliance(slos: Sequence[SloTarget]) -> pl.Expr:
    """JSON text {"<metric>": {"target": t, "op": "<=", "actual": a, "met": bool | null}, ...}."""
    if not slos:
        return pl.lit("{}")
    parts: list[pl.Expr] = []
    for i, slo in enumerate(slos):
        actual = pl.col(slo.metric)
        met = _COMPARE[slo.op](actual, pl.lit(slo.target))
        parts += [
            pl.lit(("{" if i == 0 else ", ") + f'{json.dumps(slo.metric)}: {{"target": {slo.target:f}, '
                   f'"op": {json.dumps(slo.op)}, "actual": '),
            actual.cast(pl.String).fill_null("null"),
            pl.lit(', "met": '),
            pl.when(actual.is_null()).then(pl.lit("null")).when(met).then(pl.lit("true")).otherwise(pl.lit("false")),
            pl.lit("}"),
        ]
    return pl.concat_str([*parts, pl.lit("}")])


def compute_rag_metrics_history(
    dialogue: pl.DataFrame, days: Sequence[date], slos: Sequence[SloTarget]
) -> pl.DataFrame:
    """One row per day in `days` (a day without dialogue rows gets total_queries 0 and null rates)."""
    unknown = [s.metric for s in slos if s.metric not in RAG_METRICS_COLUMNS]
    if unknown:
        raise ValueError(f"SLO metric(s) {unknown} are not rag_metrics_history columns")
    latency = pl.col("latency_ms")
    feedback = pl.col("user_feedback")
    citations = pl.col("citation_length").fill_null(0)
    daily = (
        conform(dialogue, DIALOGUE_COLUMNS)
        .group_by(pl.col("created_at").dt.date().alias("date"))
        .agg(
            total_queries=pl.len().cast(pl.Int64),
            cited=(citations > 0).sum().cast(pl.Int64),
            citation_count=citations.sum(),
            latency_sum=latency.sum(),
            latency_n=latency.count().cast(pl.Int64),
            p50=latency.quantile(0.5, interpolation="linear"),
            p95=latency.quantile(0.95, interpolation="linear"),
            p99=latency.quantile(0.99, interpolation="linear"),
            unique_users=pl.col("user_id").drop_nulls().n_unique().cast(pl.Int64),
            total_tokens=pl.col("total_tokens").sum(),
            cost_units=decimal_units(pl.col("token_cost_jpy").sum()),
            relevance_units=decimal_units(pl.col("relevance_score").sum()),
            relevance_n=pl.col("relevance_score").count().cast(pl.Int64),
            positive=(feedback == 1).sum().cast(pl.Int64),
            rated=feedback.is_in([-1, 1]).sum().cast(pl.Int64),
        )
    )
    counts = ["total_queries", "citation_count", "unique_users", "total_tokens", "cost_units"]
    return (
        pl.LazyFrame({"date": list(days)}, schema={"date": pl.Date})
        .join(daily, on="date", how="left")
        .with_columns(pl.col(counts).fill_null(0))
        .select(
            "date",
            "total_queries",
            citation_rate=exact_ratio(pl.col("cited") * 100, pl.col("total_queries"), RATE),
            citation_count="citation_count",
            avg_latency_ms=exact_ratio(pl.col("latency_sum"), pl.col("latency_n"), LATENCY),
            p50_latency_ms=pg_float_to_numeric(pl.col("p50"), LATENCY),
            p95_latency_ms=pg_float_to_numeric(pl.col("p95"), LATENCY),
            p99_latency_ms=pg_float_to_numeric(pl.col("p99"), LATENCY),
            unique_users="unique_users",
            total_tokens="total_tokens",
            total_cost=from_units(pl.col("cost_units"), pl.Decimal(10, 2)),
            cost_per_answer=exact_ratio(pl.col("cost_units"), pl.col("total_queries") * 100, pl.Decimal(6, 2)),
            avg_relevance_score=exact_ratio(
                pl.col("relevance_units"), pl.col("relevance_n") * 100, pl.Decimal(3, 2)
            ),
            positive_feedback_rate=exact_ratio(pl.col("positive") * 100, pl.col("rated"), RATE),
        )
        .with_columns(slo_compliance=slo_compliance(slos))
        .sort("date")
        .collect()
    )


def rag_trend(metrics: pl.DataFrame) -> pl.DataFrame:
    return metrics.select("date", "total_queries", "citation_rate", "p95_latency_ms", "total_cost", "cost_per_answer")


class RagMetricsConfig(dg.Config):
    """Run configuration of rag_metrics_history."""

    slo_targets: dict[str, float] | None = Field(
        default=None,
        description="Override SLO targets by metric, e.g. {'p95_latency_ms': 2500}; "
        "everything else comes from cockpit_pipelines/policies/slo_targets.yaml.",
    )


@analytics_asset(
    TABLE,
    deps=[SOURCE.key],
    description="Daily RAG quality, latency, cost and SLO compliance from ai_dialogue_log (seed 002); "
    "one row per UTC day, also for days without dialogue.",
)
def rag_metrics_history_asset(
    context: dg.AssetExecutionContext, config: RagMetricsConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    slos = load_slo_targets(overrides=config.slo_targets)
    return build_daily(
        context,
        warehouse,
        DailyTable(TABLE, "date", dates=True, source=SOURCE),
        read=lambda window: read_dialogue(warehouse, window),
        compute=lambda dialogue, window: compute_rag_metrics_history(dialogue, window.days, slos),
        trend=rag_trend,
    )
