"""Shared pieces of the daily analytics assets.

- Exact numerics, so that the Polars results equal the SQL definitions on every engine:
  `exact_ratio` (a rational rounded half away from zero) and `pg_float_to_numeric` (PostgreSQL's
  float8 → numeric(p,s) conversion of a percentile).
- `build_daily`: read → compute → write a run's window in chunks of whole days (as many days as fit
  a row budget, within one calendar month), each chunk and its ledger rows replaced in one transaction;
  a chunk is read over several connections at once, the next one while this one is computed.
- The `partition_builds` ledger the late-data sensor reads, and the materialization metadata.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import polars as pl

from cockpit_pipelines.builds import PARTITION_BUILDS, RawSource, fingerprint
from cockpit_pipelines.contracts import Column, Table, contracts
from cockpit_pipelines.engines.base import binary_uuids_as_text
from cockpit_pipelines.freshness import freshness_policy
from cockpit_pipelines.partitions import WAREHOUSE_POOL, daily_backfill_policy, daily_partitions
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.utc import now_utc
from cockpit_pipelines.windows import Span, Window

GROUP = "analytics"
OWNERS = ("team:data-platform",)
KINDS = ("polars", "sql")
PREVIEW_ROWS = 10
# Raw rows read, computed and written at a time by `build_daily` (COCKPIT_CHUNK_ROWS overrides it); with
# the next chunk read meanwhile, twice that is the memory bound of a run, whatever its window.
CHUNK_ROWS = 1_000_000
# A raw read of a chunk is split into this many time ranges read at once: the database formats the rows
# it sends (most of a read's time) on one core per connection.
READ_PARTS = 2

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def table_schema(table: Table, family: str = "postgresql") -> dg.TableSchema:
    """The table's columns as its contract states them (the UI's column schema)."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=col.name,
                type=col.physical(family),
                description=_column_description(col),
                constraints=dg.TableColumnConstraints(nullable=col.nullable),
            )
            for col in table.columns
        ]
    )


def _column_description(col: Column) -> str | None:
    parts = []
    if col.values:
        parts.append("one of " + ", ".join(map(str, col.values)))
    if col.references:
        parts.append(("soft reference to " if col.soft else "references ") + col.references)
    return "; ".join(parts) or None


def analytics_asset(table: str, *, deps: Sequence[dg.AssetKey], description: str) -> Callable:
    """The decorator of a daily analytics table (asset key = the table name), with the shared conventions.

    A one-spec `multi_asset`, whose `backfill_policy` is stable API (on `@asset` it is a beta parameter).
    """
    key = dg.AssetKey(table)
    spec = dg.AssetSpec(
        key=key,
        deps=list(deps),
        description=description,
        group_name=GROUP,
        kinds=set(KINDS),
        owners=list(OWNERS),
        tags={"domain": "derived"},  # the table's domain in sql/contracts
        metadata={"dagster/table_name": table, "dagster/column_schema": table_schema(contracts().table(table))},
        freshness_policy=freshness_policy(key, GROUP),
    )
    return dg.multi_asset(
        name=table,
        specs=[spec],
        partitions_def=daily_partitions,
        backfill_policy=daily_backfill_policy(),
        pool=WAREHOUSE_POOL,
    )


# --- frames and exact numerics -------------------------------------------------------------------


def conform(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.LazyFrame:
    """The columns a transform needs, cast to the types it computes with (e.g. Int32 → Int64).

    A String column that arrives as Binary is a uuid read as its 16 bytes (`binary_uuids=True`): it
    stays Binary, which groups, counts and sorts like its text (faster and smaller); `build_daily`
    renders it as text after the compute.
    """
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise ValueError(f"input frame lacks column(s) {missing}; it has {frame.columns}")
    kept = {name for name, dtype in schema.items() if dtype == pl.String and frame.schema[name] == pl.Binary}
    return frame.lazy().select([pl.col(name) if name in kept else pl.col(name).cast(dtype)
                                for name, dtype in schema.items()])


def decimal_units(expr: pl.Expr) -> pl.Expr:
    """A Decimal(p, s) as the Int128 count of its 10^-s units (exact)."""
    return expr.to_physical()


def from_units(units: pl.Expr, dtype: pl.Decimal) -> pl.Expr:
    """An integer count of 10^-scale units as `dtype` (exact; fails on overflow)."""
    unit = pl.lit(Decimal(1).scaleb(-dtype.scale))
    return (units.cast(pl.Decimal(38, 0)) * unit).cast(dtype)


def numeric_units_sql(column: str, scale: int, family: str) -> str:
    """SQL of a NUMERIC(p, `scale`) column as its exact integer count of 10^-scale units, under the
    column's name: a fraction of the cost of sending and reading the decimal itself (text, over ADBC)."""
    return f"CAST({column} * {10**scale} AS {'BIGINT' if family == 'postgresql' else 'SIGNED'}) AS {column}"


def decimals_from_units(frame: pl.DataFrame, dtypes: Mapping[str, pl.Decimal]) -> pl.DataFrame:
    """The columns read with `numeric_units_sql` as their decimals again (exact)."""
    return frame.with_columns(from_units(pl.col(name), dtype).alias(name) for name, dtype in dtypes.items())


def exact_ratio(numerator: pl.Expr, denominator: pl.Expr, dtype: pl.Decimal) -> pl.Expr:
    """numerator / denominator rounded half away from zero to `dtype`'s scale, in integer arithmetic.

    Both are integer expressions (for a Decimal numerator pass `decimal_units(x)` and multiply the
    denominator by 10^scale of x). Null when the denominator is null or not positive: this is SQL's
    `ROUND(num / NULLIF(den, 0), s)` without any binary floating point.
    """
    num = numerator.cast(pl.Int128) * (10**dtype.scale)
    den = denominator.cast(pl.Int128)
    quotient = (num.abs() * 2 + den) // (den * 2)
    units = pl.when(num < 0).then(pl.lit(0, dtype=pl.Int128) - quotient).otherwise(quotient)
    return from_units(pl.when(den > 0).then(units), dtype)


_PARSE_SCALE = 20
_TINY = Decimal("0.000001")


def pg_float_to_numeric(expr: pl.Expr, dtype: pl.Decimal) -> pl.Expr:
    """PostgreSQL's float8 → numeric(p, s): the double's 15 significant digits, then half away from zero.

    PostgreSQL's float8_numeric prints the double with DBL_DIG = 15 significant digits before the
    numeric rounding, so a percentile of 1234.5649999999998 is stored as 1234.57. This starts from
    the shortest round-trip text of the double (exact decimal digits, no float arithmetic) and rounds
    it to 15 significant digits half to even, as printf does, for 1e-6 <= |x| < 1e15; smaller values
    round to 0 at scale <= 6. (Only a double whose shortest text is itself a 16-digit tie can round
    differently from printf's exact binary value, by one unit in the 15th digit.)
    """
    value = expr.cast(pl.String).str.to_decimal(scale=_PARSE_SCALE)
    magnitude = value.abs()
    chain = pl.when(magnitude < _TINY).then(value)
    for exponent in range(-6, 15):  # 10^exponent <= |x| < 10^(exponent + 1)
        chain = chain.when(magnitude < Decimal(10) ** (exponent + 1)).then(
            value.round(14 - exponent, mode="half_to_even")
        )
    return chain.otherwise(value).round(dtype.scale, mode="half_away_from_zero").cast(dtype)


# --- metadata ------------------------------------------------------------------------------------


def markdown_table(frame: pl.DataFrame, rows: int | None = PREVIEW_ROWS) -> str:
    """A markdown table of the first `rows` rows (all rows when None)."""
    shown = frame if rows is None else frame.head(rows)
    with pl.Config(
        tbl_formatting="MARKDOWN",
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=10_000,
        fmt_str_lengths=80,
    ):
        return str(shown)


def materialize_result(
    window: Window,
    *,
    rows_written: int,
    source_rows: int,
    preview: pl.DataFrame,
    trend: pl.DataFrame | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dg.MaterializeResult:
    """Row count, window, days processed, a preview of the top rows and an optional per-day trend."""
    metadata: dict[str, Any] = {
        "dagster/row_count": dg.MetadataValue.int(rows_written),
        "window_start": dg.MetadataValue.text(window.start.isoformat()),
        "window_end": dg.MetadataValue.text(window.end.isoformat()),
        "days_processed": dg.MetadataValue.int(len(window.days)),
        "source_rows": dg.MetadataValue.int(source_rows),
        "preview": dg.MetadataValue.md(markdown_table(preview)),
    }
    if trend is not None:
        metadata["trend"] = dg.MetadataValue.md(markdown_table(trend, rows=None))
    metadata.update(extra or {})
    return dg.MaterializeResult(metadata=metadata)


# --- writes --------------------------------------------------------------------------------------


def lock_name(table: str) -> str:
    """The named lock that serializes the writers of a derived table."""
    return f"cockpit_pipelines:{table}"


@contextlib.contextmanager
def exclusive_write(warehouse: WarehouseResource, table: str) -> Iterator[Any]:
    """A transaction holding the table's named lock until it commits, so that overlapping runs replace
    a window one after the other (on PostgreSQL two concurrent DELETE+INSERT transactions would
    otherwise both insert). Yields the transaction's connection."""
    with warehouse.engine.locked_transaction(lock_name(table)) as conn:
        yield conn


def window_condition(column: str, window: Window, *, dates: bool = False, where: str = "",
                     params: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The SQL condition `column` in the window (a DATE column when `dates`), and its parameters."""
    bounds = window.date_params() if dates else window.params()
    condition = f"{column} >= :start AND {column} < :end" + (f" AND {where}" if where else "")
    return condition, {**bounds, **(params or {})}


def replace_window(
    warehouse: WarehouseResource,
    table: str,
    frame: pl.DataFrame,
    *,
    column: str,
    window: Window,
    dates: bool = False,
    where: str = "",
    params: Mapping[str, Any] | None = None,
) -> int:
    """Replace the rows of `table` whose `column` lies in the window (a DATE column when `dates`)."""
    with exclusive_write(warehouse, table) as conn:
        return replace_in_transaction(warehouse, conn, table, frame, column=column, window=window, dates=dates,
                                      where=where, params=params)


def replace_in_transaction(warehouse: WarehouseResource, conn: Any, table: str, frame: pl.DataFrame, *, column: str,
                           window: Window, dates: bool = False, where: str = "",
                           params: Mapping[str, Any] | None = None) -> int:
    """`replace_window` inside a transaction that already holds the table's lock (`exclusive_write`)."""
    condition, values = window_condition(column, window, dates=dates, where=where, params=params)
    return warehouse.engine.replace_in(conn, table, frame, delete_where=condition, params=values)[1]


# --- partition_builds ----------------------------------------------------------------------------


def source_stats(frame: pl.DataFrame, source: RawSource, days: Sequence[date]) -> pl.DataFrame:
    """partition_date, source_rows, source_fingerprint for every day (0 rows included) of raw rows read."""
    digest = source.digest_column
    total = pl.lit(None, dtype=pl.Int64)
    if digest:
        dtype = frame.schema[digest]
        total = (pl.col(digest).cast(pl.Int64) if dtype.is_integer() else pl.col(digest)).sum()
    counts = frame.group_by(pl.col(source.time_column).dt.date().alias("partition_date")).agg(
        source_rows=pl.len().cast(pl.Int64), digest_total=total
    )
    grid = pl.DataFrame({"partition_date": list(days)}, schema={"partition_date": pl.Date})
    stats = grid.join(counts, on="partition_date", how="left").with_columns(pl.col("source_rows").fill_null(0))
    digests = [fingerprint(n, t) for n, t in zip(stats["source_rows"], stats["digest_total"], strict=True)]
    return stats.select("partition_date", "source_rows", source_fingerprint=pl.Series(digests, dtype=pl.String))


def ledger_rows(asset_key: dg.AssetKey, stats: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """The ledger rows (asset_key, partition_date, source_rows, source_fingerprint, built_at, run_id)."""
    return stats.select(
        pl.lit(asset_key.to_user_string()).alias("asset_key"),
        "partition_date",
        "source_rows",
        "source_fingerprint",
        pl.lit(now_utc(), dtype=pl.Datetime("us")).alias("built_at"),
        pl.lit(run_id, dtype=pl.String).alias("run_id"),
    )


def replace_ledger(warehouse: WarehouseResource, conn: Any, asset_key: dg.AssetKey, stats: pl.DataFrame,
                   window: Window, run_id: str) -> int:
    """Replace the window's ledger rows of the asset inside the caller's transaction (which holds the
    asset's table lock: each asset has its own ledger rows)."""
    condition, values = window_condition("partition_date", window, dates=True, where="asset_key = :asset_key",
                                         params={"asset_key": asset_key.to_user_string()})
    frame = ledger_rows(asset_key, stats, run_id)
    return warehouse.engine.replace_in(conn, PARTITION_BUILDS, frame, delete_where=condition, params=values)[1]


def record_partition_builds(
    warehouse: WarehouseResource, asset_key: dg.AssetKey, stats: pl.DataFrame, window: Window, run_id: str
) -> int:
    """Replace the window's rows of the ledger (asset_key, partition_date, source_rows, source_fingerprint,
    built_at, run_id)."""
    with exclusive_write(warehouse, PARTITION_BUILDS) as conn:
        return replace_ledger(warehouse, conn, asset_key, stats, window, run_id)


# --- the chunked build ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyTable:
    """A derived table rebuilt per UTC day from one raw table.

    `hourly`: each output row comes from the raw rows of one hour (an hourly rollup), so the parts of a
    chunk can be computed apart, each as soon as it is read.
    """

    table: str
    time_column: str  # the derived table's day/hour column, for the replaced window
    dates: bool  # time_column is a DATE (else a timestamp)
    source: RawSource
    hourly: bool = False


def chunk_rows() -> int:
    """The row budget of a chunk: `COCKPIT_CHUNK_ROWS`, else CHUNK_ROWS."""
    return int(os.environ.get("COCKPIT_CHUNK_ROWS", CHUNK_ROWS))


def read_parts() -> int:
    """Connections a large raw read uses at once (`COCKPIT_READ_PARTS`, else READ_PARTS)."""
    return int(os.environ.get("COCKPIT_READ_PARTS", READ_PARTS))


def build_daily(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    spec: DailyTable,
    *,
    read: Callable[[Span], pl.DataFrame],
    compute: Callable[[pl.DataFrame, Window], pl.DataFrame],
    trend: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> dg.MaterializeResult:
    """The run's window in chunks of whole days: read the raw rows, compute, and replace the chunk's
    rows and its `partition_builds` rows in one transaction under the table's lock.

    The first chunk is one day; each next one takes as many days as fit in the row budget
    (`chunk_rows()`) at the raw rows per day of the chunk before, at most twice its days
    (`next_chunk_days`), within one calendar month. A chunk is
    read as `read_parts()` time ranges at once (the database formats the rows it sends on a core per
    connection), and the next chunk is read while this one is computed and written: at most two chunks
    are in memory, whatever the window. An hourly rollup computes each part as soon as it arrives.
    Every transform groups by day or finer, so the chunking never changes a row.
    """
    window = Window.from_context(context)
    written = source_rows = 0
    preview = pl.DataFrame()
    trends: list[pl.DataFrame] = []
    budget, parts = chunk_rows(), read_parts()
    with ThreadPoolExecutor(max_workers=parts, thread_name_prefix=f"read-{spec.table}") as readers:

        def submit(chunk: Window) -> list[Future[pl.DataFrame]]:
            return [readers.submit(read, span) for span in chunk.split(parts)]

        chunk: Window | None = window.chunk_from(window.start, 1)
        pending = submit(chunk)
        while chunk is not None:
            pieces, results = [], []
            for future in pending:
                pieces.append(future.result())
                if spec.hourly:
                    results.append(compute(pieces[-1], chunk))
            raw = _concat(pieces)
            following = None
            if chunk.end < window.end:
                following = window.chunk_from(chunk.end, next_chunk_days(raw.height, len(chunk.days), budget))
                pending = submit(following)
            result = binary_uuids_as_text(_concat(results) if spec.hourly else compute(raw, chunk))
            stats = source_stats(raw, spec.source, chunk.days)
            condition, values = window_condition(spec.time_column, chunk, dates=spec.dates)
            with exclusive_write(warehouse, spec.table) as conn:
                written += warehouse.engine.replace_in(conn, spec.table, result, delete_where=condition,
                                                       params=values)[1]
                replace_ledger(warehouse, conn, context.asset_key, stats, chunk, context.run.run_id)
            source_rows += raw.height
            if preview.is_empty():
                preview = result.head(PREVIEW_ROWS)
            if trend is not None:
                trends.append(trend(result))
            context.log.info(f"{spec.table} {chunk.start:%Y-%m-%d}..{chunk.end - DAY:%Y-%m-%d}: {raw.height} "
                             f"source rows, {result.height} rows")
            del raw, pieces, result, results  # this chunk leaves memory before the next one is taken
            chunk = following
    return materialize_result(
        window,
        rows_written=written,
        source_rows=source_rows,
        preview=preview,
        trend=pl.concat(trends) if trends else None,
    )


def next_chunk_days(rows: int, days: int, budget: int) -> int:
    """Days of the next chunk after one of `days` days that held `rows` raw rows: as many as fit the
    row budget at that rate, but at most twice as many days, so that an empty or sparse stretch (days
    before the data starts, a quiet weekend) cannot make the next chunk a whole month of busy days."""
    fit = int(budget * days // rows) if rows else 2 * days
    return max(1, min(fit, 2 * days))


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The frames of one chunk's parts, in order (empty parts left out: a reader may type them apart)."""
    filled = [f for f in frames if f.height] or frames[:1]
    return filled[0] if len(filled) == 1 else pl.concat(filled, rechunk=False)
