"""Sensors: react to what arrives (landing-zone files)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from assets.ingestion import landing_load_job, landing_run_config
from cockpit_pipelines.landing import LEDGER, file_checksum, landing_files, parents
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import landing_dir


@dg.sensor(
    # By name, not `job=`: a job object would be re-bound to the code location's resources, and
    # Dagster 1.13 then re-creates the sensor with `owners=[]`, which raises a BetaWarning.
    job_name=landing_load_job.name,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="New files under COCKPIT_LANDING_DIR/<table>/ (Parquet, CSV, JSONL): one landing_load_job run "
    "per file, run_key = the file's SHA-256, so the same bytes never run twice. A file waits while files of "
    "the tables its foreign keys point at are still being loaded.",
)
def landing_zone_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    """Cursor: {path: [size, mtime_ns, sha256]} of the files already requested that are still present."""
    requested: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
    directory = landing_dir()
    present = landing_files(directory) if directory.is_dir() else []
    cursor: dict[str, list] = {}
    new: list[tuple[str, str, list]] = []
    for table, path in present:
        stat = path.stat()
        signature = [stat.st_size, stat.st_mtime_ns]
        earlier = requested.get(str(path))
        if earlier and earlier[:2] == signature:
            cursor[str(path)] = earlier
        else:
            new.append((table, str(path), [*signature, file_checksum(path)]))
    waiting_on = _unloaded_tables(warehouse, cursor, new)
    runs = []
    deferred = 0
    for table, path, entry in new:
        if parents(table) & waiting_on:
            deferred += 1
            continue
        cursor[path] = entry
        runs.append(dg.RunRequest(run_key=entry[2], run_config=landing_run_config([path]),
                                  tags={"cockpit/landing_table": table}))
    skip = None if runs else (f"{deferred} file(s) wait for their parent tables' files" if deferred
                              else f"no new files under {directory}")
    return dg.SensorResult(run_requests=runs, cursor=json.dumps(cursor, sort_keys=True), skip_reason=skip)


def _unloaded_tables(warehouse: WarehouseResource, cursor: dict[str, list],
                     new: list[tuple[str, str, list]]) -> set[str]:
    """Tables with a file that is new this tick, or requested but not yet loaded (per the ledger)."""
    waiting = {table for table, _, _ in new}
    needed = set().union(*(parents(table) for table, _, _ in new)) if new else set()
    requested = {entry[2]: path for path, entry in cursor.items() if _table_of(path) in needed}
    if requested:
        checksums = list(requested)
        marks = ", ".join(f":c{i}" for i in range(len(checksums)))
        done = {row[0] for row in warehouse.query(
            f"SELECT file_checksum FROM {LEDGER} WHERE status <> 'in_progress' AND file_checksum IN ({marks})",
            {f"c{i}": c for i, c in enumerate(checksums)},
        )}
        waiting |= {_table_of(path) for checksum, path in requested.items() if checksum not in done}
    return waiting


def _table_of(path: str) -> str:
    return Path(path).parent.name
