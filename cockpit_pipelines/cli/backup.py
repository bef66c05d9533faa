"""`cockpit backup` (today's verified backup, as a run of the instance) and `cockpit backup restore`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import dagster as dg

from cockpit_pipelines.assets.backup import BACKUP_KEY, backup_restores_identically, warehouse_backup
from cockpit_pipelines.backup import BackupError, latest_backup, read_backup_file, restore_into
from cockpit_pipelines.cli.backfill import QUIET
from cockpit_pipelines.cli.home import configured_warehouse, ensure_dagster_home
from cockpit_pipelines.resources import warehouse_from_env
from cockpit_pipelines.utc import today_utc


def run_backup(args: argparse.Namespace) -> int:
    """Materialize today's partition of backup/warehouse with its check, in process, recorded in the
    instance (so the run is in the UI); 1 when the backup or its check failed."""
    day = today_utc()
    configured_warehouse(f"backup of {day}")
    ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(
            [warehouse_backup, backup_restores_identically],
            partition_key=day.isoformat(),
            instance=instance,
            resources={"warehouse": warehouse_from_env()},
            run_config=QUIET,
            tags={"cockpit/kind": "backup", "cockpit/trigger": "cli"},
            raise_on_error=False,
        )
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        print(f"backup: {meta['file'].value} ({meta['size_bytes'].value:,} bytes, SHA-256 {meta['sha256'].value}), "
              f"{meta['tables'].value} tables, {meta['rows'].value:,} rows in {meta['seconds'].value}s; "
              f"pruned {len(meta['pruned'].value)} older than {meta['keep'].value}")
    evaluations = result.get_asset_check_evaluations()
    for evaluation in evaluations:
        outcome = "passed" if evaluation.passed else "FAILED"
        print(f"check {BACKUP_KEY.to_user_string()}:{evaluation.check_name} {outcome}: {evaluation.description}")
    if not result.success:
        for event in result.get_step_failure_events():
            print(f"error: {event.step_key}: {event.event_specific_data.error.message.strip()}", file=sys.stderr)
        return 1
    return 0 if evaluations and all(e.passed for e in evaluations) else 1


def run_backup_restore(args: argparse.Namespace) -> int:
    """Restore a backup into the empty database --to and compare every table: the newest backup of --date
    (found through the configured warehouse), or the archive --file (through its manifest, no warehouse)."""
    if args.date:
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            print(f"error: --date {args.date!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
            return 2
        engine = configured_warehouse()
        backup = latest_backup(engine, day)
        if backup is None:
            print(f"error: no backup of {day} in {engine.describe()}'s warehouse_backups (pruned ones are gone)",
                  file=sys.stderr)
            return 1
    try:
        if args.file:
            backup = read_backup_file(Path(args.file).expanduser().absolute())
        print(f"restoring {backup.path} ({backup.engine} backup of {backup.backup_date}, {backup.size:,} bytes, "
              f"{len(backup.tables)} tables)", file=sys.stderr)
        comparison = restore_into(backup, args.to)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(comparison.table_lines()))
    print(comparison.description())
    return 0 if comparison.ok else 1
