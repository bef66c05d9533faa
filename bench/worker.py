"""Benchmark steps that run in a fresh process (`python -m bench.worker <step> …`), printing one JSON line:

- `window URL FIRST LAST`: one Dagster run of usage_hourly over the window; its seconds and the
  process's peak RSS (the memory figure of the benchmark: imports included, nothing else run before);
- `backfill FIRST LAST [ASSET …]`: `cockpit_pipelines.cli.backfill.run_backfill` of every daily asset (or
  those named) with its checks on COCKPIT_WAREHOUSE_URL, in one run (the process needs
  COCKPIT_PARTITION_START at or before FIRST).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg


def _peak_rss_bytes() -> int:
    """This process's peak resident set. Linux's VmHWM, not ru_maxrss: that one also counts the memory
    the parent held when it forked this process (before the exec of Python)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def window(url: str, first: date, last: date) -> dict[str, object]:
    from bench.rollup import asset_rollup

    seconds = asset_rollup(url, first, last, instance=dg.DagsterInstance.ephemeral())
    return {"seconds": seconds, "peak_rss_bytes": _peak_rss_bytes()}


def backfill(first: date, last: date, select: list[str]) -> dict[str, object]:
    from cockpit_pipelines.cli.backfill import run_backfill

    started = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        report = run_backfill(first, last, instance=instance, select=select or None)
    checks = report.checks
    return {
        "seconds": time.perf_counter() - started,
        "success": report.success,
        "materialized": report.materialized,
        "checks_passed": sum(c.passed for c in checks),
        "checks_total": len(checks),
        "failed_checks": [f"{c.asset}:{c.check}: {c.description}" for c in checks if not c.passed],
        "failed_blocking": len(report.failed_blocking()),
        "summary": report.summary_lines(),
        "peak_rss_bytes": _peak_rss_bytes(),
    }


def main(argv: list[str]) -> int:
    step, *args = argv
    if step == "window":
        result = window(args[0], date.fromisoformat(args[1]), date.fromisoformat(args[2]))
    elif step == "backfill":
        result = backfill(date.fromisoformat(args[0]), date.fromisoformat(args[1]), args[2:])
    else:
        raise SystemExit(f"unknown step {step!r}: window | backfill")
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
