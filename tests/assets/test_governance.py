"""compliance_scores: the Polars transform on hand-made frames, then the asset on PostgreSQL and MariaDB against
the SQL definitions in sql/analytics/<engine>/compliance_scores.sql."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import polars as pl
from analytics_testkit import assert_same_rows, insert, materialize, metadata_of, sql_definition, stored_rows, uuids

from cockpit_pipelines.assets.governance import (
    COMPLIANCE_COLUMNS,
    STANDARD_COLUMNS,
    VIOLATION_COLUMNS,
    compliance_scores_asset,
    compute_compliance_scores,
)
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.windows import Window

D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
STANDARDS = pl.DataFrame(
    {"standard_id": ["ts-001-zulu", "nm-002-snake"], "category": ["temporal", "nomenclature"],
     "standard_name": ["Timestamp Zulu Format", "Snake case"], "enforcement_level": ["error", "warning"]},
    schema=STANDARD_COLUMNS,
)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)


def violations(*rows: tuple[str, str, datetime, datetime | None]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=VIOLATION_COLUMNS, orient="row")


def scores(frame: pl.DataFrame, days: list[date]) -> dict[tuple[date, str], dict]:
    out = compute_compliance_scores(STANDARDS, frame, days)
    assert out.schema == pl.Schema(COMPLIANCE_COLUMNS)
    return {(r["score_date"], r["standard_id"]): r for r in out.to_dicts()}


def test_open_counts_follow_resolution_and_suppression_day_by_day() -> None:
    frame = violations(
        ("ts-001-zulu", "open", at(D1), None),
        ("ts-001-zulu", "resolved", at(D1), at(D2, 0)),  # resolved at the very start of D2: open at the end of D1 only
        ("ts-001-zulu", "resolved", at(D1), at(D3, 23)),  # resolved on D3: still open at the end of D1 and D2
        ("ts-001-zulu", "suppressed", at(D1), None),  # never open
        ("ts-001-zulu", "resolved", at(D2), None),  # resolved without a time: not open
        ("ts-001-zulu", "resolved", at(D2, 10), at(D2, 11)),  # resolved the day it was found
        ("ts-001-zulu", "open", at(D3, 23), None),
    )
    rows = scores(frame, [D1, D2, D3])
    counts = [(rows[(d, "ts-001-zulu")]["violation_count"], rows[(d, "ts-001-zulu")]["open_violations"])
              for d in (D1, D2, D3)]
    assert counts == [(4, 3), (6, 2), (7, 2)]
    assert [rows[(d, "ts-001-zulu")]["compliance_rate"] for d in (D1, D2, D3)] == [
        Decimal("25.00"), Decimal("66.67"), Decimal("71.43")]


def test_a_standard_without_violations_is_fully_compliant() -> None:
    rows = scores(violations(("ts-001-zulu", "open", at(D1), None)), [D1])
    snake = rows[(D1, "nm-002-snake")]
    assert (snake["violation_count"], snake["open_violations"], snake["compliance_rate"]) == (0, 0, Decimal("100.00"))
    assert (snake["category"], snake["standard_name"], snake["enforcement_level"]) == (
        "nomenclature", "Snake case", "warning")


def test_history_before_the_window_counts_and_the_future_does_not() -> None:
    frame = violations(
        ("ts-001-zulu", "open", at(date(2025, 6, 1)), None),
        ("ts-001-zulu", "resolved", at(date(2025, 6, 1)), at(date(2025, 7, 1))),
        ("ts-001-zulu", "resolved", at(date(2025, 6, 1)), at(D2)),
        ("ts-001-zulu", "open", at(date(2026, 3, 4)), None),  # detected after the window
        ("unknown-standard", "open", at(D1), None),  # not an active standard
    )
    rows = scores(frame, [D1, D2])
    assert (rows[(D1, "ts-001-zulu")]["violation_count"], rows[(D1, "ts-001-zulu")]["open_violations"]) == (3, 2)
    assert (rows[(D2, "ts-001-zulu")]["violation_count"], rows[(D2, "ts-001-zulu")]["open_violations"]) == (3, 1)
    assert len(rows) == 4


def test_compliance_rate_rounds_half_up() -> None:
    frame = violations(*[("ts-001-zulu", "open" if i < 3 else "suppressed", at(D1), None) for i in range(800)])
    rows = scores(frame, [D1])
    assert rows[(D1, "ts-001-zulu")]["compliance_rate"] == Decimal("99.63")  # 99.625; half to even gives 99.62


# --- on the engines --------------------------------------------------------------------------------

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 5)


def _seed_governance(warehouse: WarehouseResource) -> None:
    """Standards next to the one the migrations seed (ts-001-zulu, active), and violations around the window."""
    insert(warehouse, "metadata_standards", pl.DataFrame({
        "id": ["ts-101-offset", "nm-102-snake", "vr-103-semver", "vr-104-retired"],
        "standard_name": ["UTC offsets", "Snake case names", "Semantic versions", "Retired rule"],
        "category": ["temporal", "nomenclature", "versioning", "versioning"],
        "pattern_regex": [".*"] * 4,
        "enforcement_level": ["error", "warning", "info", "error"],
        "is_active": [True, True, True, False],
    }))
    rng = np.random.default_rng(5)
    n = 700
    detected = [datetime(2026, 2, 20) + timedelta(seconds=int(s)) for s in rng.integers(0, 16 * 86400, n)]
    status = [["open", "resolved", "resolved", "suppressed"][i] for i in rng.integers(0, 4, n)]
    resolved = [
        None if s != "resolved" or rng.random() < 0.05 else d + timedelta(seconds=int(rng.integers(0, 5 * 86400)))
        for s, d in zip(status, detected, strict=True)
    ]
    insert(warehouse, "metadata_violations", pl.DataFrame({
        "id": uuids(rng, n),
        "standard_id": [["ts-001-zulu", "ts-101-offset", "nm-102-snake", "vr-104-retired"][i]
                        for i in rng.integers(0, 4, n)],
        "resource_type": ["file"] * n,
        "resource_id": [f"src/{i}.py" for i in range(n)],
        "status": status,
        "detected_at": detected,
        "resolved_at": resolved,
    }, schema_overrides={"resolved_at": pl.Datetime("us")}))


def test_asset_equals_the_sql_definition(scratch_warehouse: WarehouseResource) -> None:
    warehouse = scratch_warehouse
    _seed_governance(warehouse)
    window = Window.of_days(FIRST, LAST)
    result = materialize([compliance_scores_asset], warehouse, FIRST, LAST)
    assert result.success
    stored = stored_rows(warehouse, "compliance_scores", COMPLIANCE_COLUMNS)
    expected = sql_definition(warehouse, "compliance_scores", window)
    assert_same_rows(stored, expected, ["score_date", "standard_id"])
    active = warehouse.query("SELECT COUNT(*) FROM metadata_standards WHERE is_active = TRUE")[0][0]
    assert active >= 4 and stored.height == 5 * active and "vr-104-retired" not in stored["standard_id"].to_list()
    semver = stored.filter(pl.col("standard_id") == "vr-103-semver")
    assert semver["compliance_rate"].to_list() == [Decimal("100.00")] * 5
    assert stored.filter(pl.col("open_violations") > 0).height > 0
    assert metadata_of(result, "compliance_scores")["dagster/row_count"] == stored.height

    builds = stored_rows(warehouse, "partition_builds", ["partition_date", "source_rows"],
                         "asset_key = :key", {"key": "compliance_scores"}).sort("partition_date")
    assert builds["partition_date"].to_list() == window.days
    detected_per_day = (
        stored_rows(warehouse, "metadata_violations", ["detected_at"])
        .filter(pl.col("detected_at") >= window.start, pl.col("detected_at") < window.end)
        .group_by(pl.col("detected_at").dt.date()).len()
    )
    assert builds["source_rows"].sum() == detected_per_day["len"].sum()

    # a rerun of one day in the middle leaves the same rows
    assert materialize([compliance_scores_asset], warehouse, date(2026, 3, 3), date(2026, 3, 3)).success
    assert_same_rows(stored_rows(warehouse, "compliance_scores", COMPLIANCE_COLUMNS), stored,
                     ["score_date", "standard_id"])
