"""`cockpit generate`: synthetic raw data into the warehouse, or into landing-zone files."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from cockpit_pipelines.cli.home import require_migrated
from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.generator.load import generate, write_landing


def run_generate(args: argparse.Namespace) -> int:
    """Run `cockpit generate` (args: start, days, scale, seed, to_landing); returns the exit code."""
    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        print(f"--start {args.start!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    if args.days < 1 or args.scale <= 0:
        print("--days must be at least 1 and --scale above 0", file=sys.stderr)
        return 2
    engine = engine_for(None)
    require_migrated(engine)
    started = time.perf_counter()
    if args.to_landing:
        report = write_landing(Path(args.to_landing), engine, start, args.days, scale=args.scale, seed=args.seed)
        what = f"{len(report.files)} files under {args.to_landing}"
    else:
        print(f"warehouse: {engine.describe()} ({engine.name})", file=sys.stderr)
        report = generate(engine, start, args.days, scale=args.scale, seed=args.seed)
        what = engine.describe()
    elapsed = time.perf_counter() - started
    refs = sum(report.reference.values())
    label = "written" if args.to_landing else "new (already there: skipped)"
    print(f"reference rows: {refs:,} {label}" + (f" ({_per_table(report.reference)})" if refs else ""))
    print(f"raw rows: {sum(report.facts.values()):,} ({_per_table(report.facts)})")
    print(f"{report.total:,} rows in {elapsed:.1f}s ({report.total / max(elapsed, 1e-9):,.0f} rows/s) → {what}")
    return 0


def _per_table(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {rows:,}" for name, rows in counts.items() if rows)
