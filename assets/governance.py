"""Governance analytics: compliance_scores, one row per UTC day and active metadata standard.

The seed-001 compliance dashboard query, evaluated as of the end of each day: violations detected
before D+1, of which open are those with status `open` or resolved on/after D+1.
"""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import dagster as dg
import polars as pl

from assets.common import (
    DAY,
    Window,
    analytics_asset,
    conform,
    exact_ratio,
    materialize_result,
    record_partition_builds,
    replace_window,
    source_stats,
)
from cockpit_pipelines import builds
from cockpit_pipelines.resources import WarehouseResource

TABLE = "compliance_scores"
SOURCE = builds.VIOLATIONS
STANDARDS_KEY = dg.AssetKey(["raw", "metadata_standards"])
SCAN_KEY = dg.AssetKey("metadata_compliance_scan")  # records the platform's own violations first

RATE = pl.Decimal(5, 2)

STANDARD_COLUMNS: dict[str, pl.DataType] = {
    "standard_id": pl.String,
    "category": pl.String,
    "standard_name": pl.String,
    "enforcement_level": pl.String,
}

VIOLATION_COLUMNS: dict[str, pl.DataType] = {
    "standard_id": pl.String,
    "status": pl.String,
    "detected_at": pl.Datetime("us"),
    "resolved_at": pl.Datetime("us"),
}

COMPLIANCE_COLUMNS: dict[str, pl.DataType] = {
    "score_date": pl.Date,
    **STANDARD_COLUMNS,
    "violation_count": pl.Int64,
    "open_violations": pl.Int64,
    "compliance_rate": RATE,
}


def read_active_standards(warehouse: WarehouseResource) -> pl.DataFrame:
    return warehouse.read_frame(
        "SELECT id AS standard_id, category, standard_name, enforcement_level "
        "FROM metadata_standards WHERE is_active = TRUE"
    )


def read_violations(warehouse: WarehouseResource, before: datetime) -> pl.DataFrame:
    """Every violation detected before `before`: the history each day's score accumulates."""
    return warehouse.read_frame(
        "SELECT standard_id, status, detected_at, resolved_at FROM metadata_violations WHERE detected_at < :end",
        {"end": before},
    )


def compute_compliance_scores(
    standards: pl.DataFrame, violations: pl.DataFrame, days: Sequence[date]
) -> pl.DataFrame:
    """For every day D in `days` (consecutive) and active standard: the violations as of the end of D.

    Each violation adds +1 to violation_count from its detection day on, and +1 to open_violations
    over [detection day, resolution day) — forever when `open`, never when `suppressed` or resolved
    without a resolved_at. Daily deltas are summed cumulatively, so the cost does not grow with
    violations times days.
    """
    first, end = days[0], days[-1] + DAY
    detected = pl.col("detected_at").dt.date()
    resolved = pl.col("resolved_at").dt.date()
    status = pl.col("status")
    closes = ((status == "resolved") & (resolved > detected)).fill_null(False)
    opens = (status == "open") | closes
    history = conform(violations, VIOLATION_COLUMNS).filter(detected < end)
    deltas = (
        pl.concat(
            [
                history.select("standard_id", day=detected, d_count=pl.lit(1, pl.Int64), d_open=opens.cast(pl.Int64)),
                history.filter(closes).select("standard_id", day=resolved, d_count=pl.lit(0, pl.Int64),
                                              d_open=pl.lit(-1, pl.Int64)),
            ]
        )
        .with_columns(day=pl.max_horizontal("day", pl.lit(first)))  # history before the window: at its start
        .filter(pl.col("day") < end)
        .group_by("standard_id", "day")
        .agg(pl.col("d_count").sum(), pl.col("d_open").sum())
    )
    calendar = pl.LazyFrame({"score_date": list(days)}, schema={"score_date": pl.Date})
    count = pl.col("violation_count")
    open_ = pl.col("open_violations")
    return (
        conform(standards, STANDARD_COLUMNS)
        .join(calendar, how="cross")
        .join(deltas, left_on=["standard_id", "score_date"], right_on=["standard_id", "day"], how="left")
        .with_columns(pl.col("d_count", "d_open").fill_null(0))
        .with_columns(
            violation_count=pl.col("d_count").cum_sum().over("standard_id", order_by="score_date"),
            open_violations=pl.col("d_open").cum_sum().over("standard_id", order_by="score_date"),
        )
        .with_columns(
            compliance_rate=pl.when(count == 0)
            .then(pl.lit(Decimal("100.00"), dtype=RATE))
            .otherwise(exact_ratio((count - open_) * 100, count, RATE))
        )
        .select(list(COMPLIANCE_COLUMNS))
        .sort("score_date", "standard_id")
        .collect()
    )


@analytics_asset(
    TABLE,
    deps=[SOURCE.key, STANDARDS_KEY, SCAN_KEY],
    description="Daily compliance per active metadata standard (seed 001 compliance query, as of the end "
    "of each UTC day): violations so far, those still open, compliance rate.",
)
def compliance_scores_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    window = Window.from_context(context)
    standards = read_active_standards(warehouse)
    violations = read_violations(warehouse, window.end)
    scores = compute_compliance_scores(standards, violations, window.days)
    written = replace_window(warehouse, TABLE, scores, column="score_date", window=window, dates=True)
    in_window = violations.filter(pl.col("detected_at") >= window.start)
    stats = source_stats(in_window, SOURCE, window.days)
    record_partition_builds(warehouse, context.asset_key, stats, window, context.run.run_id)
    context.log.info(f"{TABLE}: {len(window.days)} days x {standards.height} active standards from "
                     f"{violations.height} violations")
    return materialize_result(
        window,
        rows_written=written,
        source_rows=violations.height,
        preview=scores.sort("compliance_rate", "score_date").head(10),
        trend=scores.group_by("score_date").agg(
            open_violations=pl.col("open_violations").sum(), violations=pl.col("violation_count").sum()
        ).sort("score_date"),
        extra={"active_standards": dg.MetadataValue.int(standards.height)},
    )
