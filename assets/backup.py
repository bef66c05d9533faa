"""Operations: the daily full backup of the warehouse (seed 003 §8.1), verified by a restore.

`backup/warehouse` dumps the whole warehouse (cockpit_pipelines/backup.py: pg_dump custom format, or
mariadb-dump) into COCKPIT_BACKUP_URL, records the archive in warehouse_backups and in a manifest beside
it, and prunes the archives older than the retention period (policies/retention.yaml, `backups`). Its
blocking check compares the manifest with the row, restores the archive into a scratch database and
compares every table with the dump's snapshot. A partition is the
UTC day a backup is filed under; today's exists, so `cockpit backup` and the 04:00 UTC schedule back up
the current state as today's.
"""

import warnings
from datetime import date

import dagster as dg

from cockpit_pipelines.archive.policies import load_settings
from cockpit_pipelines.assets.schema import schema_key
from cockpit_pipelines.backup import (
    BackupError,
    latest_backup,
    manifest_of,
    prune_backups,
    take_backup,
    verify_backup,
)
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.freshness import freshness_policy
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import partition_start

GROUP = "operations"
BACKUP_KEY = dg.AssetKey(["backup", "warehouse"])
CHECK_NAME = "restores_identically"

backup_partitions = dg.DailyPartitionsDefinition(
    start_date=partition_start().isoformat(), timezone="UTC", fmt="%Y-%m-%d", end_offset=1,
)


@dg.asset(
    key=BACKUP_KEY,
    deps=[schema_key("operations")],
    group_name=GROUP,
    partitions_def=backup_partitions,
    kinds={"postgres", "mysql"},
    owners=["team:data-platform"],
    tags={"domain": "operations"},
    freshness_policy=freshness_policy(BACKUP_KEY, GROUP),
    description="Full backup of the warehouse (seed 003 §8.1): a pg_dump custom-format archive (PostgreSQL) or a "
    "mariadb-dump --single-transaction file (MySQL family) under COCKPIT_BACKUP_URL, written under a temporary "
    "name, fsynced and renamed, recorded in warehouse_backups and in a manifest beside it (<archive>.manifest.json, "
    "which restores it without the warehouse) with its size, SHA-256, dump tool version and each table's row count "
    "and content digest at the dump's snapshot; archives older than the retention period are pruned with their "
    "manifests.",
)
def warehouse_backup(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    engine = warehouse.engine
    backup = take_backup(engine, day, run_id=context.run.run_id, log=context.log.info)
    keep = load_settings().backup_keep
    pruned = prune_backups(engine, day, keep, log=context.log.info)
    context.log.info(f"backup of {day}: {backup.path} ({backup.size:,} bytes, {len(backup.tables)} tables, "
                     f"{backup.rows:,} rows); pruned {len(pruned)}")
    return dg.MaterializeResult(metadata={
        "file": dg.MetadataValue.path(str(backup.path)),
        "manifest": dg.MetadataValue.path(str(manifest_of(backup.path))),
        "size_bytes": dg.MetadataValue.int(backup.size),
        "sha256": dg.MetadataValue.text(backup.sha256),
        "tables": dg.MetadataValue.int(len(backup.tables)),
        "rows": dg.MetadataValue.int(backup.rows),
        "tool": dg.MetadataValue.text(backup.tool),
        "snapshot": dg.MetadataValue.text(backup.snapshot),
        "seconds": dg.MetadataValue.float(round((backup.finished_at - backup.started_at).total_seconds(), 2)),
        "backup_id": dg.MetadataValue.int(backup.id or 0),
        "keep": dg.MetadataValue.text(f"{keep} (policies/retention.yaml backups)"),
        "pruned": dg.MetadataValue.json([str(b.path) for b in pruned]),
    })


# Partitioned asset checks are a preview feature in Dagster 1.13 (as for the suites' checks).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)

    @dg.asset_check(
        asset=BACKUP_KEY,
        name=CHECK_NAME,
        blocking=True,
        partitions_def=backup_partitions,
        description="The day's newest backup: its manifest agrees with its warehouse_backups row, its file has the "
        "recorded SHA-256; restored into a scratch database of the same server (created and dropped by the check), "
        "every table has the row count and content digest it had at the dump's snapshot.",
    )
    def backup_restores_identically(context: dg.AssetCheckExecutionContext,
                                    warehouse: WarehouseResource) -> dg.AssetCheckResult:
        result = backup_check_result(warehouse.engine, date.fromisoformat(context.partition_key))
        if result.passed:
            context.log.info(result.description or "")
        else:
            context.log.error(result.description or "")
        return result


def backup_check_result(engine: Engine, day: date) -> dg.AssetCheckResult:
    """The outcome of `restores_identically` for the newest backup of `day`."""
    backup = latest_backup(engine, day)
    if backup is None:
        return dg.AssetCheckResult(passed=False, description=f"no backup of {day} in warehouse_backups")
    metadata = {"file": dg.MetadataValue.path(str(backup.path)), "backup_id": dg.MetadataValue.int(backup.id or 0)}
    try:
        comparison = verify_backup(engine, backup)
    except BackupError as exc:
        return dg.AssetCheckResult(passed=False, description=str(exc), metadata=metadata)
    return dg.AssetCheckResult(
        passed=comparison.ok,
        description=comparison.description(),
        metadata={
            **metadata,
            "tables_compared": dg.MetadataValue.int(len(backup.tables)),
            "rows_compared": dg.MetadataValue.int(backup.rows),
            "differences": dg.MetadataValue.md("\n".join(f"- {d}" for d in comparison.differences) or "none"),
            "restore_seconds": dg.MetadataValue.float(round(comparison.seconds, 2)),
        },
    )
