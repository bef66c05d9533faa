"""Load throughput of the raw-data layer: generation, bulk load (COPY / LOAD DATA) and landing-zone ingest.

    .venv/bin/python bench/bench_load.py [--url URL] [--scale 1] [--days 2]

Without --url it creates a scratch database on the machine's PostgreSQL (127.0.0.1:5432, user postgres),
migrates it, and drops it at the end. Prints rows/s; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import psycopg

from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.generator.load import (
    day_frames,
    ensure_partitions,
    load_reference,
    read_standards,
    reference_frames,
    replace_day,
    write_file,
)
from cockpit_pipelines.generator.reference import build_reference
from cockpit_pipelines.landing import ingest_file
from cockpit_pipelines.migrations import MigrationRunner

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
START = date(2026, 3, 2)


@contextmanager
def scratch_database() -> Iterator[str]:
    name = f"cockpit_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def line(label: str, rows: int, seconds: float) -> None:
    print(f"  {label:<34} {rows:>10,} rows {seconds:>8.2f} s {rows / seconds:>12,.0f} rows/s")


def bench(engine: Engine, scale: float, days: int, seed: int = 7) -> None:
    print(f"engine: {engine.name} {engine.version.split(' on ')[0][:40]}, scale {scale}, {days} day(s)")
    MigrationRunner(engine).migrate(log=lambda _: None)
    ref = build_reference(seed, read_standards(engine))
    load_reference(engine, reference_frames(ref))
    ensure_partitions(engine, START, START + timedelta(days=days))

    generated = loaded = 0
    gen_s = load_s = 0.0
    per_table: dict[str, list[float]] = {}
    for i in range(days):
        day = START + timedelta(days=i)
        started = time.perf_counter()
        frames = day_frames(seed, day, scale, ref)
        gen_s += time.perf_counter() - started
        generated += sum(f.height for f in frames.values())
        for name, frame in frames.items():  # one table at a time, to show where the time goes
            started = time.perf_counter()
            replace_day(engine, day, {name: frame})
            per_table.setdefault(name, [0, 0.0])
            per_table[name][0] += frame.height
            per_table[name][1] += time.perf_counter() - started
        started = time.perf_counter()
        loaded += sum(replace_day(engine, day, frames).values())  # the real thing: the whole day, replaced
        load_s += time.perf_counter() - started
    print("generate (in memory)")
    line("all raw tables", generated, gen_s)
    print("load a day = delete its window + COPY, one transaction (replacing the same rows)")
    line("all raw tables", loaded, load_s)
    print("per table (each replaced on its own)")
    for name, (rows, seconds) in sorted(per_table.items(), key=lambda kv: -kv[1][0]):
        line(name, int(rows), seconds)

    with tempfile.TemporaryDirectory() as folder:
        day = START + timedelta(days=days)
        ensure_partitions(engine, day, day)
        frames = day_frames(seed, day, scale, ref)
        print("landing zone: check every rule + load + quarantine + ledger, one transaction per file")
        for name in ("usage_events", "ai_dialogue_log"):
            path = write_file(frames[name], Path(folder) / name / f"{name}.parquet")
            started = time.perf_counter()
            result = ingest_file(engine, path)
            line(f"{name} (parquet)", result.rows_loaded, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="warehouse URL (default: a scratch database on 127.0.0.1:5432)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()
    if args.url:
        bench(engine_for(args.url), args.scale, args.days)
        return
    with scratch_database() as url:
        bench(engine_for(url), args.scale, args.days)


if __name__ == "__main__":
    main()
