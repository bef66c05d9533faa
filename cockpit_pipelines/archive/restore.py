"""`cockpit restore`: archived batches back into their table, exactly once."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import polars as pl

from cockpit_pipelines.archive import manifest
from cockpit_pipelines.archive.archiver import table_lock
from cockpit_pipelines.archive.dialect import KEY, Dialect
from cockpit_pipelines.archive.policies import RetentionSettings, settings
from cockpit_pipelines.archive.store import ArchiveStore
from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.generator.conform import for_engine
from cockpit_pipelines.progress import Log, Progress


@dataclass
class RestoreResult:
    table: str
    first: date
    last: date
    batches: int = 0
    rows: int = 0
    present: int = 0  # archived rows the table already held again (not inserted twice)
    already_restored: int = 0
    seconds: float = 0.0
    ranges: list[tuple[datetime, datetime]] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.table}: restored {self.rows:,} row(s) from {self.batches} batch(es) "
                f"for {self.first} .. {self.last}")
        if self.ranges and (self.ranges[0][0].date() < self.first or self.ranges[-1][1].date() > self.last):
            text += f" (whole batches: {self.ranges[0][0]:%Y-%m-%d} .. {self.ranges[-1][1]:%Y-%m-%d %H:%M:%S})"
        if self.present:
            text += f"; {self.present:,} row(s) were already in the table"
        if self.already_restored and not self.batches:
            text += f"; {self.already_restored} batch(es) had been restored before"
        return text + f"; {self.seconds:.1f}s"


def restore(
    engine: Engine,
    table: str,
    first: date,
    last: date,
    *,
    retention: RetentionSettings | None = None,
    store: ArchiveStore | None = None,
    progress: bool = True,
    log: Log | None = None,
) -> RestoreResult:
    """Insert back every archived (deleted) batch of `table` whose range overlaps the days first..last.

    Whole batches are restored (a day, or the month/year of a policy with a longer span), each in one
    transaction with its manifest row turning `restored`, so a second restore adds nothing. Each file's
    SHA-256 and row count are checked first; rows the table already holds again are not inserted twice.
    """
    if last < first:
        raise ValueError(f"restore {table}: --end {last} is before --start {first}")
    started = time.perf_counter()
    policy = (retention or settings()).policy(table)
    store = store or ArchiveStore()
    log = log or (lambda _line: None)
    start = datetime.combine(first, datetime.min.time())
    end = datetime.combine(last, datetime.min.time()) + timedelta(days=1)
    result = RestoreResult(table, first, last)
    with table_lock(engine, table), engine.session() as db:
        d = Dialect(db, policy)
        batches = manifest.archived(db, table, start, end)
        result.already_restored = len(manifest.select(
            db, "table_name = :t AND status = 'restored' AND range_start < :end AND range_end > :start",
            {"t": table, "start": start, "end": end}))
        if batches:  # partitions dropped with their batches come back first (PostgreSQL)
            last_day = (max(b.end for b in batches) - timedelta(microseconds=1)).date()
            engine.ensure_month_partitions(table, min(b.start for b in batches).date(), last_day)
        bar = Progress(f"restore {table}", total=len(batches), unit="batch") if progress and batches else None
        with bar or contextlib.nullcontext():
            for row in batches:
                frame = store.read(row.uri, sha256=row.checksum, rows=row.row_count, what=row.label())
                missing = _not_present(db, d, frame, row.start, row.end)
                with db.transaction() as conn:
                    if missing.height:
                        engine.insert_frame(conn, table, for_engine(missing, engine.family))
                    manifest.mark_restored(conn, row.id)
                result.batches += 1
                result.rows += missing.height
                result.present += frame.height - missing.height
                result.ranges.append((row.start, row.end))
                log(f"{row.label()}: {missing.height:,} row(s) restored from {row.uri}")
                if bar:
                    bar.advance(label=f"{row.start:%Y-%m-%d} {missing.height:,} rows")
    result.seconds = time.perf_counter() - started
    return result


def _not_present(db: Engine, d: Dialect, frame: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    """The archived rows the table does not hold (matched on the primary key, or on every column without one)."""
    params = {"start": start, "end": end}
    if not db.scalar(f"SELECT COUNT(*) FROM {d.table.name} WHERE {d.in_range()}", params):
        return frame
    held = db.read_frame(f"SELECT {d.select_list()} FROM {d.table.name} WHERE {d.in_range()}", params)
    keys = d.identity()
    held = held.drop(KEY, strict=False).select(keys).unique()
    return frame.join(held, on=keys, how="anti", nulls_equal=True)

