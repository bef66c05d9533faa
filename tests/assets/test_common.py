"""Shared analytics utilities: windows, exact numerics (against PostgreSQL itself), fingerprints, metadata,
and the agreement of every asset's output columns with sql/contracts/derived.yaml."""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import numpy as np
import polars as pl
import psycopg
import pytest

from cockpit_pipelines.assets import governance, rag, telemetry, usage
from cockpit_pipelines.assets.common import (
    GROUP,
    exact_ratio,
    markdown_table,
    next_chunk_days,
    pg_float_to_numeric,
    replace_window,
    source_stats,
)
from cockpit_pipelines.builds import RawSource, fingerprint
from cockpit_pipelines.contracts import load_contracts
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import SQL_DIR
from cockpit_pipelines.slo import load_slo_targets
from cockpit_pipelines.windows import Window

DERIVED_OUTPUTS = {
    "rag_metrics_history": rag.RAG_METRICS_COLUMNS,
    "usage_hourly": usage.USAGE_HOURLY_COLUMNS,
    "usage_daily": usage.USAGE_DAILY_COLUMNS,
    "usage_monthly": usage.USAGE_MONTHLY_COLUMNS,
    "token_usage_daily": usage.TOKEN_USAGE_DAILY_COLUMNS,
    "metrics_hourly": telemetry.METRICS_HOURLY_COLUMNS,
    "compliance_scores": governance.COMPLIANCE_COLUMNS,
}
ASSETS = {
    "rag_metrics_history": (rag.rag_metrics_history_asset, [["raw", "ai_dialogue_log"]]),
    "usage_hourly": (usage.usage_hourly_asset, [["raw", "usage_events"]]),
    "usage_daily": (usage.usage_daily_asset, [["raw", "usage_events"]]),
    "usage_monthly": (usage.usage_monthly_asset, [["usage_daily"]]),
    "token_usage_daily": (usage.token_usage_daily_asset, [["raw", "token_usage"]]),
    "metrics_hourly": (telemetry.metrics_hourly_asset, [["raw", "metrics"]]),
    "compliance_scores": (governance.compliance_scores_asset,
                          [["raw", "metadata_violations"], ["raw", "metadata_standards"],
                           ["metadata_compliance_scan"]]),
}


# --- exact numerics ----------------------------------------------------------------------------------

CENTS = pl.Decimal(10, 2)


def _ratio(num: list[int | None], den: list[int | None], dtype: pl.Decimal = CENTS) -> list:
    frame = pl.DataFrame({"n": num, "d": den}, schema={"n": pl.Int64, "d": pl.Int64})
    return frame.select(exact_ratio(pl.col("n"), pl.col("d"), dtype)).to_series().to_list()


def test_exact_ratio_rounds_half_away_from_zero() -> None:
    # 0.005, 0.015, 0.025 (half to even would give 0.00, 0.02, 0.02), negatives mirror them
    assert _ratio([1, 3, 5, -1, -5], [200] * 5) == [Decimal(x) for x in ("0.01", "0.02", "0.03", "-0.01", "-0.03")]
    assert _ratio([2, 1, 7], [3, 3, 1]) == [Decimal("0.67"), Decimal("0.33"), Decimal("7.00")]
    assert _ratio([1, 1, None], [0, None, 3]) == [None, None, None]


def test_exact_ratio_stays_exact_where_floats_are_not() -> None:
    # 1.005 is 1.00499999999999989... as a double: float rounding gives 1.00
    assert _ratio([1005], [1000]) == [Decimal("1.01")]
    big = 2**62 // 1000
    assert _ratio([big * 1000 + 5], [1000], pl.Decimal(38, 2)) == [Decimal(big) + Decimal("0.01")]


def _to_numeric(values: list[float | None], dtype: pl.Decimal = CENTS) -> list:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.Float64})
    return frame.select(pg_float_to_numeric(pl.col("v"), dtype)).to_series().to_list()


def test_float_to_numeric_rounds_15_significant_digits_then_half_up() -> None:
    values = [1234.5649999999998, 1234.565, 2.675, 1.005, -2.675, 0.30000000000000004, 100.0, None, 1e-7, 0.0]
    assert _to_numeric(values) == [
        Decimal("1234.57"), Decimal("1234.57"), Decimal("2.68"), Decimal("1.01"), Decimal("-2.68"),
        Decimal("0.30"), Decimal("100.00"), None, Decimal("0.00"), Decimal("0.00"),
    ]


def test_float_to_numeric_fails_on_overflow() -> None:
    with pytest.raises(pl.exceptions.InvalidOperationError):
        _to_numeric([123456789.0])


def _doubles(rng: np.random.Generator) -> list[float]:
    """Doubles that sit on or next to half-cent boundaries, interpolated percentiles and random magnitudes."""
    ties = rng.integers(0, 10**9, 500) / 1000 + 0.0005  # x.xxx5: ties at the third decimal
    halves = rng.integers(0, 10**8, 500) / 100 + 0.005
    neighbours = []
    for x in np.concatenate([ties, halves])[:400]:
        bits = struct.unpack("<q", struct.pack("<d", float(x)))[0]
        neighbours += [struct.unpack("<d", struct.pack("<q", bits + k))[0] for k in (-3, -1, 1, 3)]
    lower = rng.integers(0, 100_000, 500).astype(float)
    upper = lower + rng.integers(0, 5_000, 500)
    interpolated = lower + (upper - lower) * rng.choice([0.95, 0.99, 0.5, 0.05, 0.35], 500)
    magnitudes = rng.random(500) * 10.0 ** rng.integers(-4, 8, 500)
    return [float(v) for v in np.concatenate([ties, halves, neighbours, interpolated, magnitudes, -halves[:100]])]


def test_float_to_numeric_equals_postgresql(postgres_admin: psycopg.Connection) -> None:
    values = _doubles(np.random.default_rng(7))
    rows = postgres_admin.execute(
        "SELECT CAST(v AS numeric(12,2)) FROM unnest(CAST(%s AS float8[])) WITH ORDINALITY AS t(v, i) ORDER BY i",
        [values],
    ).fetchall()
    assert _to_numeric(values, pl.Decimal(12, 2)) == [r[0] for r in rows]


# --- windows -------------------------------------------------------------------------------------------


def test_window_days_and_chunks() -> None:
    window = Window.of_days(date(2026, 1, 30), date(2026, 3, 2))
    assert len(window.days) == 32 and window.days[0] == date(2026, 1, 30) and window.days[-1] == date(2026, 3, 2)
    chunks = window.day_chunks()
    assert [c.days for c in chunks[:2]] == [[date(2026, 1, 30)], [date(2026, 1, 31)]]
    assert chunks[-1].end == window.end and len(chunks) == 32
    assert [(m.start, m.end) for m in window.month_chunks()] == [
        (datetime(2026, 1, 1), datetime(2026, 2, 1)),
        (datetime(2026, 2, 1), datetime(2026, 3, 1)),
        (datetime(2026, 3, 1), datetime(2026, 4, 1)),
    ]
    december = Window.of_days(date(2025, 12, 31), date(2025, 12, 31)).month_chunks()
    assert [(m.start, m.end) for m in december] == [(datetime(2025, 12, 1), datetime(2026, 1, 1))]
    assert window.date_params() == {"start": date(2026, 1, 30), "end": date(2026, 3, 3)}


def test_chunks_grow_with_the_row_budget_but_at_most_twofold() -> None:
    assert next_chunk_days(rows=500_000, days=1, budget=1_000_000) == 2
    assert next_chunk_days(rows=100_000, days=4, budget=1_000_000) == 8  # 40 would fit
    assert next_chunk_days(rows=1_000_000, days=2, budget=1_000_000) == 2
    assert next_chunk_days(rows=5_000_000, days=1, budget=1_000_000) == 1
    # days before the data starts, or sparse ones, never make the next chunk a month of busy days
    assert next_chunk_days(rows=0, days=1, budget=1_000_000) == 2
    assert next_chunk_days(rows=10, days=1, budget=1_000_000) == 2


def test_window_rejects_unaligned_or_empty_bounds() -> None:
    with pytest.raises(ValueError, match="midnights"):
        Window(datetime(2026, 1, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError, match="empty"):
        Window(datetime(2026, 1, 2), datetime(2026, 1, 2))


# --- fingerprints and metadata -------------------------------------------------------------------------


def test_fingerprint_is_canonical_in_the_sum() -> None:
    assert fingerprint(3, Decimal("1.50")) == fingerprint(3, Decimal("1.5")) == fingerprint(3, Decimal("1.500"))
    assert fingerprint(2, 100) == fingerprint(2, Decimal("100.00"))
    assert fingerprint(0, None) == fingerprint(0, 0)
    assert len({fingerprint(3, 1), fingerprint(4, 1), fingerprint(3, 2)}) == 3
    assert len(fingerprint(1, 1)) == 64


def test_source_stats_covers_every_day() -> None:
    source = RawSource("usage_events", "time", digest_column="cost_cents")
    frame = pl.DataFrame(
        {"time": [datetime(2026, 3, 1, 5), datetime(2026, 3, 1, 6), datetime(2026, 3, 3)], "cost_cents": [2, 3, None]},
        schema={"time": pl.Datetime("us"), "cost_cents": pl.Int32},
    )
    stats = source_stats(frame, source, [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)])
    assert stats.columns == ["partition_date", "source_rows", "source_fingerprint"]
    assert stats["source_rows"].to_list() == [2, 0, 1]
    assert stats["source_fingerprint"].to_list() == [fingerprint(2, 5), fingerprint(0, None), fingerprint(1, None)]


def test_stats_sql_counts_the_same_rows_the_asset_reads() -> None:
    sql = telemetry.SOURCE.stats_sql("postgresql")
    assert "COUNT(*)" in sql and "SUM(value_count)" in sql and "time_bucket = :source_bucket" in sql
    assert "timestamp >= (:start AT TIME ZONE 'UTC') AND timestamp < (:end AT TIME ZONE 'UTC')" in sql
    assert "timestamp >= :start AND timestamp < :end" in telemetry.SOURCE.stats_sql("mysql")


def test_markdown_table() -> None:
    text = markdown_table(pl.DataFrame({"day": [date(2026, 3, 1)] * 12, "n": range(12)}))
    lines = text.splitlines()
    assert lines[0].replace(" ", "") == "|day|n|" and len(lines) == 12  # header, rule, 10 rows


# --- definitions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(ASSETS))
def test_asset_conventions(table: str) -> None:
    asset, deps = ASSETS[table]
    spec = asset.specs_by_key[dg.AssetKey(table)]
    assert asset.keys == {dg.AssetKey(table)}
    assert {d.asset_key for d in spec.deps} == {dg.AssetKey(d) for d in deps}
    assert spec.group_name == GROUP and spec.kinds == {"polars", "sql"} and spec.owners == ["team:data-platform"]
    assert spec.description
    assert isinstance(asset.partitions_def, dg.DailyPartitionsDefinition)
    assert asset.backfill_policy == dg.BackfillPolicy.single_run()


_POLARS_TYPES = {"bigint": pl.Int64, "double": pl.Float64, "date": pl.Date, "timestamptz": pl.Datetime("us"),
                 "uuid": pl.String, "json": pl.String, "enum": pl.String}


def _polars_type(contract_type: str) -> pl.DataType:
    if contract_type.startswith("numeric("):
        precision, scale = contract_type[8:-1].split(",")
        return pl.Decimal(int(precision), int(scale))
    if contract_type.startswith("varchar("):
        return pl.String
    return _POLARS_TYPES[contract_type]


@pytest.mark.parametrize("table", sorted(DERIVED_OUTPUTS))
def test_output_columns_match_the_derived_contract(table: str) -> None:
    contract = load_contracts().tables.get(table)
    if contract is None:
        pytest.skip(f"sql/contracts has no contract for {table} yet")
    written = [c for c in contract.columns if c.name != "computed_at" and not c.generated
               and not (c.name == "id" and c.name not in DERIVED_OUTPUTS[table])]
    assert list(DERIVED_OUTPUTS[table]) == [c.name for c in written]
    assert {c.name: _polars_type(c.type) for c in written} == DERIVED_OUTPUTS[table]


# --- writes --------------------------------------------------------------------------------------------


def test_concurrent_replacements_of_one_window_leave_one_run_of_rows(scratch_warehouse: WarehouseResource) -> None:
    """Overlapping runs replace a window one after the other: never duplicates, never a key violation."""
    window = Window.of_days(date(2026, 3, 1), date(2026, 3, 2))
    hours = [window.start + timedelta(hours=h) for h in range(48)]

    def frame(run: int) -> pl.DataFrame:
        return pl.DataFrame({
            "bucket": hours, "org_id": ["00000000-0000-4000-8000-000000000001"] * 48,
            "project_id": ["00000000-0000-4000-8000-000000000002"] * 48, "model": ["m"] * 48,
            "user_id": [None] * 48, "request_count": [run] * 48, "total_input_tokens": [0] * 48,
            "total_output_tokens": [0] * 48, "total_cost_cents": [0] * 48, "avg_latency_ms": [None] * 48,
        }, schema=usage.USAGE_DAILY_COLUMNS)

    def run(i: int) -> int:
        return replace_window(scratch_warehouse, "usage_daily", frame(i), column="bucket", window=window)

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(run, range(1, 13))) == [48] * 12
    rows = scratch_warehouse.read_frame("SELECT request_count FROM usage_daily")
    assert rows.height == 48 and rows["request_count"].n_unique() == 1


def test_sql_definitions_insert_into_their_tables(scratch_warehouse: WarehouseResource) -> None:
    """Each definition is one SELECT of exactly its table's columns: `INSERT INTO t (...) <definition>` works
    (the benchmark's database-side build)."""
    window = Window.of_days(date(2026, 3, 1), date(2026, 3, 3))
    params = {**window.params(), **telemetry.SOURCE.params,
              **{f"target_{s.metric}": s.target for s in load_slo_targets()}}
    for table, columns in DERIVED_OUTPUTS.items():
        sql = (SQL_DIR / "analytics" / scratch_warehouse.engine_family() / f"{table}.sql").read_text()
        scratch_warehouse.execute(f"INSERT INTO {table} ({', '.join(columns)})\n{sql}", params)
    counts = {t: scratch_warehouse.query(f"SELECT COUNT(*) FROM {t}")[0][0] for t in DERIVED_OUTPUTS}
    active = scratch_warehouse.query("SELECT COUNT(*) FROM metadata_standards WHERE is_active = TRUE")[0][0]
    assert counts["rag_metrics_history"] == 3 and counts["compliance_scores"] == 3 * active


def test_days_per_run_sets_the_daily_assets_backfill_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit_pipelines.partitions import daily_backfill_policy

    monkeypatch.delenv("COCKPIT_DAYS_PER_RUN", raising=False)
    assert daily_backfill_policy() == dg.BackfillPolicy.single_run()
    monkeypatch.setenv("COCKPIT_DAYS_PER_RUN", "7")
    assert daily_backfill_policy() == dg.BackfillPolicy.multi_run(7)
    monkeypatch.setenv("COCKPIT_DAYS_PER_RUN", "0")
    with pytest.raises(ValueError, match="COCKPIT_DAYS_PER_RUN must be a positive number of days"):
        daily_backfill_policy()
