"""Archival throughput: the retention policy of usage_events run by the project's archiver
(`cockpit_pipelines.archive.run_retention`): read each due day, write it to Parquet, read it back and
verify every value, record it in the manifest, then delete the rows (guarded by their count and key
digest), one transaction per batch."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta

from cockpit_pipelines.engines import Engine

TABLE = "usage_events"
KEEP = timedelta(days=30)  # the policy's default (policies/retention.yaml)


def archive_days(engine: Engine, first: date, days: int) -> dict[str, object]:
    """Archive the first `days` days of usage_events from `first` (their usage_daily and usage_hourly
    must be built), with the policy's own keep period and a `now` that makes exactly those days due."""
    from cockpit_pipelines.archive import ArchiveStore, run_retention

    now = datetime.combine(first + timedelta(days=days), datetime.min.time()) + KEEP
    with tempfile.TemporaryDirectory(prefix="cockpit_bench_archive_") as folder:
        (result,) = run_retention(engine, tables=[TABLE], now=now, store=ArchiveStore(folder), progress=True)
    return {
        "table": TABLE,
        "days": days,
        "rows": result.rows,
        "batches": result.batches,
        "bytes": result.bytes,
        "seconds": result.seconds,
        "rows_per_s": result.rows_per_second,
        "blocked_days": len(result.blocked),
        "partitions_dropped": list(result.partitions_dropped),
    }
