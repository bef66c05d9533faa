"""Generate and load: reference rows once per seed, then each day's raw rows replacing that day.

- Reference rows are inserted only where their keys (primary and unique) are not there yet, so a
  second run adds nothing.
- A day is replaced in one transaction: its window `[day, day + 1)` is deleted from every raw table
  (children first) and the new rows are bulk-loaded (parents first) through the engine's load
  transaction (binary COPY through ADBC on PostgreSQL, LOAD DATA on the MySQL family). Days can be
  generated in any order, and again, without duplicates.
- A fresh month on PostgreSQL (a partitioned raw table has no partition and no row for it yet) loads
  in one transaction instead: its new partitions are loaded index-free, indexed by sort and attached,
  which is what makes the first load of a month fast; the other tables take its days as above.
- Two chunks (days or months) load at once on PostgreSQL (`loaders`), each generating its days.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from pathlib import Path

import polars as pl

from cockpit_pipelines.contracts import Contracts, Table, contracts
from cockpit_pipelines.engines.base import Engine, Load
from cockpit_pipelines.engines.sqltext import quote_identifier
from cockpit_pipelines.generator.conform import conform, for_engine
from cockpit_pipelines.generator.facts import Day, generate_day
from cockpit_pipelines.generator.reference import Reference, build_reference
from cockpit_pipelines.progress import Progress

STANDARDS_SQL = "SELECT id, category, enforcement_level FROM metadata_standards ORDER BY id"


@dataclass
class GenerateReport:
    """Rows written per table (reference rows: only the new ones)."""

    reference: dict[str, int] = field(default_factory=dict)
    facts: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.reference.values()) + sum(self.facts.values())


def reference_tables(catalog: Contracts, ref: Reference) -> list[Table]:
    """The reference tables the generator fills, in foreign-key order."""
    return catalog.fk_order([catalog.table(name) for name in ref.frames if name in catalog.tables])


def raw_tables(catalog: Contracts) -> list[Table]:
    """Every raw table, in foreign-key order."""
    return catalog.fk_order(catalog.tables_of_kind("raw"))


def read_standards(engine: Engine) -> pl.DataFrame:
    """The metadata standards the migrations seeded (the generator only points at them)."""
    rows = engine.query(STANDARDS_SQL)
    return pl.DataFrame(rows, schema=["id", "category", "enforcement_level"], orient="row")


def reference_frames(ref: Reference, catalog: Contracts | None = None) -> dict[str, pl.DataFrame]:
    """The conformed reference rows of a seed, per table, in foreign-key order."""
    catalog = catalog or contracts()
    return {t.name: conform(t, ref.frames[t.name], ref, ref.seed, None) for t in reference_tables(catalog, ref)}


def day_frames(seed: int, day: date, scale: float, ref: Reference,
               catalog: Contracts | None = None) -> dict[str, pl.DataFrame]:
    """The conformed rows of every raw table for one day, in foreign-key order."""
    catalog = catalog or contracts()
    generated = generate_day(Day(seed, day, scale, ref), {t.name: t.time_column for t in raw_tables(catalog)})
    frames: dict[str, pl.DataFrame] = {}
    for table in raw_tables(catalog):
        if table.name not in generated:
            raise KeyError(f"the generator has no rows for raw table {table.name}: add it to generator/facts.py")
        frame = conform(table, generated[table.name], ref, seed, day)
        _check_window(table, frame, day)
        frames[table.name] = frame
    return frames


def _check_window(table: Table, frame: pl.DataFrame, day: date) -> None:
    """Every row's time column lies in the day, or regenerating the day would duplicate it."""
    if not table.time_column or frame.height == 0:
        return
    lo = datetime.combine(day, datetime.min.time())
    stamps = frame[table.time_column]
    if stamps.null_count() or stamps.min() < lo or stamps.max() >= lo + timedelta(days=1):
        raise ValueError(f"{table.name}.{table.time_column}: generated rows fall outside {day}")


def load_reference(engine: Engine, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Insert the reference rows whose keys are not in the warehouse yet, in one transaction."""
    catalog = contracts()
    written: dict[str, int] = {}
    with engine.transaction() as conn:
        for name, frame in frames.items():
            missing = _missing(engine, catalog.table(name), frame)
            written[name] = engine.insert_frame(conn, name, for_engine(missing, engine.family)) if missing.height else 0
    return written


def _missing(engine: Engine, table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of `frame` whose primary key and unique keys are all absent from the table."""
    for key in [table.primary_key, *table.unique]:
        if not key or frame.height == 0:
            continue
        text = "::text" if engine.family == "postgresql" else ""
        cols = ", ".join(f"{quote_identifier(c, engine.family)}{text}" for c in key)
        rows = engine.query(f"SELECT {cols} FROM {table.name}")
        if rows:
            existing = pl.DataFrame(rows, schema=dict.fromkeys(key, pl.String), orient="row")
            keys = frame.select(pl.col(c).cast(pl.String) for c in key)
            frame = frame.filter(keys.join(existing.with_columns(pl.lit(True).alias("__in")), on=list(key),
                                           how="left", maintain_order="left")["__in"].is_null())
    return frame


@dataclass(frozen=True)
class Chunk:
    """Days loaded in one transaction: a single day, or the days of a month whose new partitions of the
    tables `built` the load builds whole (`Engine.bulk_month_partitions`)."""

    days: tuple[date, ...]
    built: tuple[str, ...] = ()


def prepare_chunks(engine: Engine, dates: Sequence[date]) -> list[Chunk]:
    """The chunks that load `dates`: a month chunk where some partitioned raw table has no partition and
    no row for the month yet (a fresh month: its partitions are built by sort, not row by row), else a
    chunk per day. Creates the other partitions the days need (`ensure_month_partitions`)."""
    partitioned = [t.name for t in raw_tables(contracts()) if t.partitioned]
    chunks: list[Chunk] = []
    for _, group in groupby(dates, key=lambda day: (day.year, day.month)):
        month = tuple(group)
        built = tuple(engine.new_month_partitions(partitioned, month[0]))
        for name in partitioned:
            if name not in built:
                engine.ensure_month_partitions(name, month[0], month[-1])
        chunks.extend([Chunk(month, built)] if built else [Chunk((day,)) for day in month])
    return chunks


def load_chunk(engine: Engine, chunk: Chunk, frames_of: Callable[[date], dict[str, pl.DataFrame]],
               done: Callable[[date, dict[str, int]], None]) -> None:
    """Replace the chunk's days in one transaction; `done(day, written)` as each day is written."""
    with engine.load_transaction() as load, engine.bulk_month_partitions(load, chunk.built, chunk.days[0]) as into:
        for day in chunk.days:
            done(day, _replace_window(engine, load, day, frames_of(day), into))


def replace_day(engine: Engine, day: date, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Replace the day's window of every table in `frames` (FK order) in one transaction."""
    with engine.load_transaction() as load:
        return _replace_window(engine, load, day, frames, {})


def _replace_window(engine: Engine, load: Load, day: date, frames: dict[str, pl.DataFrame],
                    into: dict[str, str]) -> dict[str, int]:
    """Delete the day's window from each table of `frames` (children first), then bulk-load the rows
    (parents first); a table in `into` is loaded into the new partition built for it instead (which
    holds no row to delete), and a partitioned table whose month has a partition already is written
    there directly: a write to that month alone, which leaves the kept validations of the table's other
    months standing (`kept_validations`)."""
    catalog = contracts()
    targets = {name: into.get(name) or (catalog.table(name).partitioned and engine.month_partition(load, name, day))
               or name for name in frames}
    lo = datetime.combine(day, datetime.min.time())
    # Literal bounds, untyped, so that they take the column's type: the plan is made for the day and
    # prunes to its partition, locking no other. A generic plan of a parameterized DELETE (as a statement
    # run often gets), or a bound of another type, would lock every partition, the DEFAULT one too, on
    # which another loader's ATTACH PARTITION waits: a deadlock.
    bounds = f"'{lo:%Y-%m-%d %H:%M:%S}'", f"'{lo + timedelta(days=1):%Y-%m-%d %H:%M:%S}'"
    for name in reversed(list(frames)):
        if name not in into:
            column = quote_identifier(catalog.table(name).time_column, engine.family)
            load.execute(f"DELETE FROM {targets[name]} WHERE {column} >= {bounds[0]} AND {column} < {bounds[1]}")
    written: dict[str, int] = {}
    for name, frame in frames.items():
        if frame.height:
            load.insert(targets[name], for_engine(frame, engine.family))
        written[name] = frame.height
    return written


def ensure_partitions(engine: Engine, start: date, end: date) -> None:
    """Monthly partitions for every partitioned raw table over [start, end] (PostgreSQL)."""
    for table in raw_tables(contracts()):
        if table.partitioned:
            engine.ensure_month_partitions(table.name, start, end)


def days(start: date, count: int) -> Iterator[date]:
    return (start + timedelta(days=i) for i in range(count))


def loaders(engine: Engine) -> int:
    """Chunks loaded at once, each in its own transaction on its own connection: two on PostgreSQL (the
    server parses, stores and indexes them on two cores); one on the MySQL family, where InnoDB's
    next-key locks on the ranges a day's DELETE scans would make concurrent days wait for each other."""
    return 2 if engine.family == "postgresql" else 1


def load_chunks(engine: Engine, chunks: Sequence[Chunk], frames_of: Callable[[date], dict[str, pl.DataFrame]],
                done: Callable[[date, dict[str, int]], None]) -> None:
    """`load_chunk` for each chunk, `loaders(engine)` at a time, each generating its days as it loads them
    (`frames_of(day)`); `done(day, written)` is called one at a time. The first failure stops the chunks
    not started yet, and is raised once the running ones have ended (each rolled back or committed whole)."""
    lock = threading.Lock()

    def report(day: date, written: dict[str, int]) -> None:
        with lock:
            done(day, written)

    pool = ThreadPoolExecutor(max_workers=loaders(engine), thread_name_prefix="load")
    try:
        for future in [pool.submit(load_chunk, engine, chunk, frames_of, report) for chunk in chunks]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def generate(engine: Engine, start: date, count: int, *, scale: float = 1.0, seed: int = 7) -> GenerateReport:
    """Load the seed's reference rows (once) and `count` days of raw rows from `start`."""
    report = GenerateReport()
    ref = build_reference(seed, read_standards(engine))
    report.reference = load_reference(engine, reference_frames(ref))
    chunks = prepare_chunks(engine, list(days(start, count)))
    with Progress("generate", total=count, unit="day") as bar:

        def done(day: date, written: dict[str, int]) -> None:
            for name, rows in written.items():
                report.facts[name] = report.facts.get(name, 0) + rows
            bar.advance(label=f"{day} {sum(written.values()):,} rows")

        load_chunks(engine, chunks, lambda day: day_frames(seed, day, scale, ref), done)
    return report


def write_landing(directory: Path, engine: Engine, start: date, count: int, *, scale: float = 1.0,
                  seed: int = 7, fmt: str = "parquet") -> GenerateReport:
    """Landing-zone files instead of loading: `<dir>/<table>/<table>__<day>__s<seed>.<fmt>` per raw
    table and day, and `<dir>/<table>/<table>__s<seed>.<fmt>` per reference table."""
    report = GenerateReport()
    ref = build_reference(seed, read_standards(engine))
    for name, frame in reference_frames(ref).items():
        report.files.append(write_file(frame, directory / name / f"{name}__s{seed}.{fmt}"))
        report.reference[name] = frame.height
    with Progress("generate", total=count, unit="day") as bar:
        for day in days(start, count):
            frames = day_frames(seed, day, scale, ref)
            for name, frame in frames.items():
                report.files.append(write_file(frame, directory / name / f"{name}__{day}__s{seed}.{fmt}"))
                report.facts[name] = report.facts.get(name, 0) + frame.height
            bar.advance(label=f"{day} {sum(f.height for f in frames.values()):,} rows")
    return report


def write_file(frame: pl.DataFrame, path: Path) -> Path:
    """Write a landing file atomically (a hidden temporary name, then a rename) as Parquet, CSV or JSONL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.write_parquet(temporary)
    elif suffix == ".csv":
        for_engine(frame, "json").write_csv(temporary)
    elif suffix in (".jsonl", ".ndjson"):
        frame.write_ndjson(temporary)
    else:
        raise ValueError(f"{path}: landing files are .parquet, .csv or .jsonl")
    os.replace(temporary, path)
    return path
