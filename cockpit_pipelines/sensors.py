"""Sensors: react to what arrives (landing-zone files, late raw rows for built days) and to failed runs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import dagster as dg

from cockpit_pipelines import alerts, late_data
from cockpit_pipelines.archive import load_settings
from cockpit_pipelines.archive.pressure import read_pressure
from cockpit_pipelines.assets.ingestion import landing_run_config
from cockpit_pipelines.assets.retention import RETENTION_TAGS, archive_key
from cockpit_pipelines.assets.retention import run_config as retention_run_config
from cockpit_pipelines.jobs import landing_load_job, nightly_analytics_job, retention_job
from cockpit_pipelines.landing import LEDGER, file_checksum, landing_files, parents
from cockpit_pipelines.migrations import pending_reason
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import landing_dir
from cockpit_pipelines.utc import now_utc, today_utc


def _unmigrated(warehouse: WarehouseResource) -> str | None:
    """Why a sensor that reads the warehouse must wait (its schema has pending migrations), or None."""
    reason = pending_reason(warehouse.engine)
    return f"{reason}: run `cockpit migrate` or materialize the schema assets" if reason else None


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


@dg.sensor(
    job_name=nightly_analytics_job.name,
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Late-arriving raw rows: days already built whose raw rows changed since their build (row count "
    "and digest sum per day, computed by the database, against the partition_builds fingerprints), over the "
    "refresh window [today - COCKPIT_LATE_DATA_START_OFFSET_DAYS (default 7, or 'all'), today). Requests one "
    "run per contiguous range of those days, with the downstream assets and the checks; run_key = the raw "
    "fingerprints and the builds they replace.",
)
def late_data_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    """Cursor: the rebuilds requested and not yet reflected in the ledger ({"pending": {"asset|day": …}})."""
    if waiting := _unmigrated(warehouse):
        return dg.SensorResult(skip_reason=waiting, cursor=context.cursor)
    window = late_data.refresh_window(today_utc())
    if window is None:
        return dg.SensorResult(skip_reason="no partition is complete yet", cursor=context.cursor)
    repository = context.repository_def
    if repository is None:
        return dg.SensorResult(skip_reason="evaluated outside a code location: no job to read the assets from",
                               cursor=context.cursor)
    scope = late_data.Scope.of_job(repository.get_job(nightly_analytics_job.name))
    built = late_data.ledger(warehouse, scope.sources, window)
    stale = late_data.stale_partitions(warehouse, scope, built, window)
    pending = late_data.pending_entries(context.cursor)
    waiting = {e["run_key"] for e in pending.values()}
    failed = late_data.failed_run_keys(context.instance, waiting) if waiting and not stale.is_empty() else set()
    triage = late_data.triage(stale, pending, failed)
    plans = late_data.plan_rebuilds(triage.todo, built, scope)
    for plan in plans:
        context.log.info(f"late data: {len(plan.stale)} stale partition(s) -> {plan.first}..{plan.last} "
                         f"{', '.join(k.to_user_string() for k in plan.assets)} (attempt {plan.attempt})")
    if triage.exhausted:
        context.log.warning(f"late data: rebuild failed {late_data.MAX_ATTEMPTS} times, not requested again "
                            f"until the raw rows change: {', '.join(triage.exhausted)}")
    skip = None
    if not plans:
        skip = (f"{triage.waiting} stale partition(s) wait for their requested runs" if triage.waiting else
                f"{len(triage.exhausted)} stale partition(s) failed {late_data.MAX_ATTEMPTS} rebuilds"
                if triage.exhausted else f"no built day changed in {window.start:%Y-%m-%d}..{window.days[-1]}")
    return dg.SensorResult(
        run_requests=[plan.run_request(nightly_analytics_job.name, scope) for plan in plans],
        cursor=late_data.next_cursor(triage.kept, plans),
        skip_reason=skip,
    )


@dg.run_failure_sensor(
    name="run_failure_alert_sensor",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every failed run of this code location: a pipeline_alerts row (run, job, failing steps and "
    "errors, partition or range) and, when COCKPIT_ALERT_WEBHOOK_URL is set, a JSON POST to it.",
)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext, warehouse: WarehouseResource) -> None:
    """The row first (a repeated tick finds it and sends nothing twice), then the webhook."""
    alert = alerts.run_failure_alert(context.dagster_run, context.failure_event, context.get_step_failure_events())
    try:
        recorded = alerts.record_alert(warehouse, alert)
    except Exception as exc:  # the warehouse itself may be what failed: the webhook must still go out
        context.log.error(f"could not record the alert of run {alert.run_id} in {alerts.ALERTS}: "
                          f"{type(exc).__name__}: {alerts.first_line(str(exc))}")
        recorded = None
    if recorded is False:
        context.log.info(f"alert of run {alert.run_id} already recorded")
        return
    url = alerts.webhook_url()
    if url is None:
        return
    status = alerts.post_webhook(url, alert.payload())
    (context.log.info if status.startswith("delivered") else context.log.warning)(
        f"alert webhook {alerts.redacted(url)}: {status}"
    )
    if recorded:
        alerts.set_webhook_status(warehouse, alert, status)


@dg.sensor(
    job_name=retention_job.name,
    minimum_interval_seconds=900,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Retention pressure: a table over its policy's pressure.max_rows (catalog estimate) or whose "
    "oldest row is older than pressure.max_age (retention.yaml) gets its archival run now instead of at 03:00; "
    "a table is requested again only after pressure_cooldown.",
)
def retention_pressure_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    """Cursor: {table: ISO instant of its last request}."""
    if waiting := _unmigrated(warehouse):
        return dg.SensorResult(skip_reason=waiting, cursor=context.cursor)
    requested: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    now = now_utc()
    retention = load_settings()
    readings = [r for r in read_pressure(warehouse.engine, retention.select(None), now) if r.over]
    calm_until = {t: datetime.fromisoformat(at) for t, at in requested.items()}
    due = [r for r in readings
           if r.table not in calm_until or retention.pressure_cooldown.before(now) >= calm_until[r.table]]
    for reading in readings:
        context.log.info(f"retention pressure on {reading.table}: {'; '.join(reading.reasons)}")
    if not due:
        skip = (f"{len(readings)} table(s) under pressure were requested less than {retention.pressure_cooldown} ago"
                if readings else "no table is over its retention pressure thresholds")
        return dg.SensorResult(skip_reason=skip, cursor=context.cursor)
    tables = [r.table for r in due]
    cursor = {**requested, **dict.fromkeys(tables, now.isoformat())}
    request = dg.RunRequest(
        run_key=f"retention_pressure:{','.join(tables)}:{now:%Y%m%dT%H%M%S%f}",
        asset_selection=[archive_key(t) for t in tables],
        run_config=retention_run_config(as_of=now, tables=tables),
        tags={**RETENTION_TAGS, "cockpit/trigger": "retention_pressure",
              "cockpit/pressure": "; ".join(f"{r.table}: {', '.join(r.reasons)}" for r in due)[:255]},
    )
    return dg.SensorResult(run_requests=[request], cursor=json.dumps(cursor, sort_keys=True))
