"""Every job of the code location: asset selections that run together, and the op jobs."""

import dagster as dg

from cockpit_pipelines.assets.backup import BACKUP_KEY
from cockpit_pipelines.assets.health import HEALTH_KEY
from cockpit_pipelines.assets.ingestion import load_landing_files
from cockpit_pipelines.assets.quality import raw_quality_checks
from cockpit_pipelines.assets.retention import create_future_partitions
from cockpit_pipelines.partitions import WAREHOUSE_SCAN_TAGS

ANALYTICS_GROUPS = ("analytics", "governance")

schema_job = dg.define_asset_job(
    "schema_job",
    selection=dg.AssetSelection.groups("schema"),
    description="Apply every pending migration, in foreign-key order, and check the catalog for drift.",
)

nightly_analytics_job = dg.define_asset_job(
    "nightly_analytics_job",
    selection=dg.AssetSelection.groups(*ANALYTICS_GROUPS) | raw_quality_checks,
    description="Every daily analytics asset for one UTC day (or a range, as one run): the raw tables' "
    "expectation checks first (blocking), then the compliance scan, the derived tables and their checks.",
    tags={"cockpit/kind": "analytics", **WAREHOUSE_SCAN_TAGS},
)

retention_job = dg.define_asset_job(
    "retention_job",
    selection=dg.AssetSelection.groups("retention"),
    description="Every retention policy (cockpit_pipelines/policies/retention.yaml), children first: due rows "
    "archived to verified Parquet batches under COCKPIT_ARCHIVE_URL, recorded in archive_manifest, then deleted.",
    tags={"cockpit/kind": "retention"},
)

health_job = dg.define_asset_job(
    "health_job",
    selection=dg.AssetSelection.assets(HEALTH_KEY),
    description="The warehouse's health snapshot for one UTC day (index usage, table sizes, dead tuples and "
    "vacuums, hit ratios, top statements) into db_health_*, with its warning checks (policies/db_health.yaml).",
    tags={"cockpit/kind": "operations"},
)

backup_job = dg.define_asset_job(
    "backup_job",
    selection=dg.AssetSelection.assets(BACKUP_KEY),
    description="The day's full backup of the warehouse (pg_dump / mariadb-dump under COCKPIT_BACKUP_URL), "
    "verified by a restore into a scratch database (blocking check); archives past their retention pruned.",
    tags={"cockpit/kind": "backup"},
)


@dg.job(description="Load landing-zone files (run config: their paths) into their raw tables, checked "
                    "against the contracts; bad rows go to ingest_quarantine.")
def landing_load_job() -> None:
    load_landing_files()


@dg.job(tags={"cockpit/kind": "maintenance"},
        description="Future monthly partitions of the range-partitioned tables (monthly schedule).")
def partition_maintenance_job() -> None:
    create_future_partitions()
