"""The benchmark's data: the project's generator, timed so that generating rows in memory and loading
them (the write path: the engine's load transaction, binary COPY / LOAD DATA) are measured apart."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.generator.conform import conform, for_engine
from cockpit_pipelines.generator.core import counts
from cockpit_pipelines.generator.facts import BASE, Day, usage_events
from cockpit_pipelines.generator.load import (
    day_frames,
    ensure_partitions,
    load_chunks,
    load_reference,
    loaders,
    prepare_chunks,
    raw_tables,
    read_standards,
    reference_frames,
    replace_day,
    write_file,
)
from cockpit_pipelines.generator.reference import Reference, build_reference
from cockpit_pipelines.landing import ingest_paths
from cockpit_pipelines.progress import Progress

SEED = 7


@dataclass
class LoadStats:
    """Rows generated in memory and loaded, with the seconds each took."""

    rows: int = 0
    generate_s: float = 0.0
    load_s: float = 0.0
    per_table: dict[str, int] = field(default_factory=dict)

    def add(self, frames: dict[str, pl.DataFrame]) -> None:
        for name, frame in frames.items():
            self.rows += frame.height
            self.per_table[name] = self.per_table.get(name, 0) + frame.height

    def as_json(self) -> dict[str, object]:
        return {"rows": self.rows, "generate_s": self.generate_s, "load_s": self.load_s,
                "generate_rows_per_s": self.rows / self.generate_s if self.generate_s else None,
                "load_rows_per_s": self.rows / self.load_s if self.load_s else None, "per_table": self.per_table}


def reference(engine: Engine, seed: int = SEED) -> Reference:
    """Load the seed's reference rows (organizations, projects, users …) and return them."""
    ref = build_reference(seed, read_standards(engine))
    load_reference(engine, reference_frames(ref))
    return ref


def usage_event_frame(ref: Reference, day: date, rows: int, seed: int = SEED) -> pl.DataFrame:
    """Exactly `rows` usage_events of one day from the project's generator, conformed to the contract."""
    scale = rows / counts(BASE["usage_events"], 1.0, day)
    frame = usage_events(Day(seed, day, scale, ref))
    return conform(contracts().table("usage_events"), frame, ref, seed, day)


def load_usage_events(engine: Engine, ref: Reference, first: date, days: int, rows_per_day: int) -> LoadStats:
    """`days` days of `rows_per_day` usage_events each (each day replaced in one transaction)."""
    return _load(engine, first, days, lambda day: {"usage_events": usage_event_frame(ref, day, rows_per_day)},
                 "usage_events")


def load_raw_days(engine: Engine, ref: Reference, first: date, days: int, scale: float,
                  seed: int = SEED) -> LoadStats:
    """Every raw table for `days` days at `scale`, as `cockpit generate` loads them."""
    return _load(engine, first, days, lambda day: day_frames(seed, day, scale, ref), "generate + load")


def _load(engine: Engine, first: date, days: int, generate: Callable[[date], dict[str, pl.DataFrame]],
          title: str) -> LoadStats:
    """Load days as `cockpit generate` does (its chunks: a fresh month in one transaction that builds its
    partitions, else a day per transaction; `loaders(engine)` chunks at once, with `load_chunks`), but
    timed apart: the days of a batch of chunks are generated in memory first, then loaded; the load time
    is the write path alone."""
    stats = LoadStats()
    chunks = prepare_chunks(engine, [first + timedelta(days=i) for i in range(days)])
    width = loaders(engine)
    with Progress(title, total=days, unit="day") as bar:
        for offset in range(0, len(chunks), width):
            batch = chunks[offset:offset + width]
            started = time.perf_counter()
            frames = {day: generate(day) for chunk in batch for day in chunk.days}
            generated = time.perf_counter()
            for dated in frames.values():
                stats.add(dated)
            load_chunks(engine, batch, frames.pop,
                        lambda day, written: bar.advance(label=f"{day} {sum(written.values()):,} rows"))
            stats.generate_s += generated - started
            stats.load_s += time.perf_counter() - generated
    return stats


@dataclass
class LandingStats:
    rows: int = 0
    files: int = 0
    seconds: float = 0.0
    quarantined: int = 0

    def as_json(self) -> dict[str, object]:
        return {"rows": self.rows, "files": self.files, "seconds": self.seconds, "quarantined": self.quarantined,
                "rows_per_s": self.rows / self.seconds if self.seconds else None}


def landing_load(engine: Engine, ref: Reference, day: date, scale: float, seed: int = SEED) -> LandingStats:
    """One day of every raw table as Parquet landing files, ingested as `cockpit ingest` does
    (`ingest_paths`: every rule checked, good rows loaded, bad rows quarantined, the ledger updated, one
    transaction per file; `ingest_workers()` tables at once)."""
    stats = LandingStats()
    ensure_partitions(engine, day, day)
    frames = day_frames(seed, day, scale, ref)
    order = [t.name for t in raw_tables(contracts())]
    with tempfile.TemporaryDirectory(prefix="cockpit_bench_landing_") as folder:
        paths = [write_file(frames[name], Path(folder) / name / f"{name}__{day}__s{seed}.parquet")
                 for name in order if name in frames and frames[name].height]
        started = time.perf_counter()
        results = ingest_paths(engine, paths)
        stats.seconds = time.perf_counter() - started
    for result in results:
        if result.status != "loaded":
            raise RuntimeError(f"landing file {result.file.path.name} was not loaded: {result.status} "
                               f"{result.error or ''}")
        stats.rows += result.rows_loaded
        stats.quarantined += result.rows_quarantined
        stats.files += 1
    return stats


def copy_path(engine: Engine, ref: Reference, day: date, scale: float, seed: int = SEED) -> dict[str, object]:
    """Where a load's time goes: one day of every raw table replaced on one connection (`replace_day`),
    then the same rows COPYed into index-free copies of the tables (`LIKE … INCLUDING DEFAULTS
    INCLUDING IDENTITY INCLUDING GENERATED`: no index, key, check or foreign key), in one transaction
    each. The gap is the schema's upkeep: its indexes, constraints and partition routing."""
    ensure_partitions(engine, day, day)
    frames = day_frames(seed, day, scale, ref)
    rows = sum(f.height for f in frames.values())
    started = time.perf_counter()
    replace_day(engine, day, frames)
    tables_s = time.perf_counter() - started
    copies = {name: f"bench_copy_{name}" for name in frames}
    for name, copy in copies.items():
        engine.execute(f"CREATE TABLE {copy} (LIKE {name} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED)")
    try:
        started = time.perf_counter()
        with engine.load_transaction() as load:
            for name, frame in frames.items():
                load.insert(copies[name], for_engine(frame, engine.family))
        copies_s = time.perf_counter() - started
    finally:
        for copy in copies.values():
            engine.execute(f"DROP TABLE IF EXISTS {copy}")
    return {"rows": rows, "tables_s": tables_s, "tables_rows_per_s": rows / tables_s, "copies_s": copies_s,
            "copies_rows_per_s": rows / copies_s}


def settle(engine: Engine, tables: list[str]) -> float:
    """What the database does to freshly loaded tables before they are read much (autovacuum, given
    time): VACUUM (ANALYZE) on PostgreSQL, which also sets the rows' hint bits, so that the first scan
    does not write every page it reads; ANALYZE TABLE on the MySQL family. Returns the seconds taken."""
    started = time.perf_counter()
    conn = engine.connect()
    try:
        if engine.family == "postgresql":
            conn.autocommit = True
            for table in tables:
                conn.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cur = conn.cursor()
            for table in tables:
                cur.execute(f"ANALYZE TABLE {table}")
                cur.fetchall()
    finally:
        conn.close()
    return time.perf_counter() - started


def raw_table_names() -> list[str]:
    """Every raw table of the contracts."""
    return [t.name for t in raw_tables(contracts())]
