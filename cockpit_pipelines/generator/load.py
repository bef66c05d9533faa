"""Generate and load: reference rows once per seed, then each day's raw rows replacing that day.

- Reference rows are inserted only where their keys (primary and unique) are not there yet, so a
  second run adds nothing.
- A day is replaced in one transaction: its window `[day, day + 1)` is deleted from every raw table
  (children first) and the new rows are bulk-loaded (parents first) through the engine's COPY /
  LOAD DATA. Days can be generated in any order, and again, without duplicates. On PostgreSQL two
  days load at once (`loaders`), while the next one is generated.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from graphlib import TopologicalSorter
from pathlib import Path

import polars as pl

from cockpit_pipelines.contracts import Contracts, Table, contracts
from cockpit_pipelines.engines.base import Engine
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


def fk_order(tables: list[Table]) -> list[Table]:
    """`tables` with every table after the tables its hard foreign keys point at."""
    names = {t.name: t for t in tables}
    graph = {
        t.name: {c.references.split(".")[0] for c in t.columns
                 if c.references and not c.soft and c.references.split(".")[0] in names} - {t.name}
        for t in tables
    }
    return [names[n] for n in TopologicalSorter(graph).static_order()]


def reference_tables(catalog: Contracts, ref: Reference) -> list[Table]:
    """The reference tables the generator fills, in foreign-key order."""
    return fk_order([catalog.table(name) for name in ref.frames if name in catalog.tables])


def raw_tables(catalog: Contracts) -> list[Table]:
    """Every raw table, in foreign-key order."""
    return fk_order(catalog.tables_of_kind("raw"))


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
        cols = ", ".join(f"{_quote(engine, c)}{text}" for c in key)
        rows = engine.query(f"SELECT {cols} FROM {table.name}")
        if rows:
            existing = pl.DataFrame(rows, schema=dict.fromkeys(key, pl.String), orient="row")
            keys = frame.select(pl.col(c).cast(pl.String) for c in key)
            frame = frame.filter(keys.join(existing.with_columns(pl.lit(True).alias("__in")), on=list(key),
                                           how="left", maintain_order="left")["__in"].is_null())
    return frame


def _quote(engine: Engine, column: str) -> str:
    return f'"{column}"' if engine.family == "postgresql" else f"`{column}`"


def replace_day(engine: Engine, day: date, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Replace the day's window of every table in `frames` (FK order) in one transaction."""
    catalog = contracts()
    lo = datetime.combine(day, datetime.min.time())
    params = {"lo": lo, "hi": lo + timedelta(days=1)}
    written: dict[str, int] = {}
    with engine.transaction() as conn:
        cur = conn.cursor()
        for name in reversed(list(frames)):
            column = _quote(engine, catalog.table(name).time_column)
            cur.execute(f"DELETE FROM {name} WHERE {column} >= %(lo)s AND {column} < %(hi)s", params)
        for name, frame in frames.items():
            written[name] = engine.insert_frame(conn, name, for_engine(frame, engine.family)) if frame.height else 0
    return written


def ensure_partitions(engine: Engine, start: date, end: date) -> None:
    """Monthly partitions for every partitioned raw table over [start, end] (PostgreSQL)."""
    for table in raw_tables(contracts()):
        if table.partitioned:
            engine.ensure_month_partitions(table.name, start, end)


def days(start: date, count: int) -> Iterator[date]:
    return (start + timedelta(days=i) for i in range(count))


def loaders(engine: Engine) -> int:
    """Days loaded at once, each in its own transaction on its own connection: two on PostgreSQL (the
    server parses, stores and indexes them on two cores); one on the MySQL family, where InnoDB's
    next-key locks on the ranges a day's DELETE scans would make concurrent days wait for each other."""
    return 2 if engine.family == "postgresql" else 1


def replace_days(engine: Engine, dated: Iterable[tuple[date, dict[str, pl.DataFrame]]],
                 done: Callable[[date, dict[str, int]], None]) -> None:
    """`replace_day` for each (day, frames), `loaders(engine)` days at a time; `done(day, written)` is
    called in day order. `dated` is consumed lazily: it may generate a day while others load."""
    width = loaders(engine)
    with ThreadPoolExecutor(max_workers=width, thread_name_prefix="load") as pool:
        pending: deque[tuple[date, Future[dict[str, int]]]] = deque()
        for day, frames in dated:
            pending.append((day, pool.submit(replace_day, engine, day, frames)))
            while len(pending) > width:  # one day generated ahead of the days loading
                first, future = pending.popleft()
                done(first, future.result())
        while pending:
            first, future = pending.popleft()
            done(first, future.result())


def generate(engine: Engine, start: date, count: int, *, scale: float = 1.0, seed: int = 7) -> GenerateReport:
    """Load the seed's reference rows (once) and `count` days of raw rows from `start`."""
    report = GenerateReport()
    ref = build_reference(seed, read_standards(engine))
    report.reference = load_reference(engine, reference_frames(ref))
    ensure_partitions(engine, start, start + timedelta(days=count - 1))
    with Progress("generate", total=count, unit="day") as bar:

        def done(day: date, written: dict[str, int]) -> None:
            for name, rows in written.items():
                report.facts[name] = report.facts.get(name, 0) + rows
            bar.advance(label=f"{day} {sum(written.values()):,} rows")

        replace_days(engine, ((day, day_frames(seed, day, scale, ref)) for day in days(start, count)), done)
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
