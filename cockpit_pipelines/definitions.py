"""The code location: every asset, check, job, schedule and sensor of the cockpit warehouse."""

import dagster as dg

from cockpit_pipelines.assets import governance, rag, reports, telemetry, usage
from cockpit_pipelines.assets.backup import backup_restores_identically, warehouse_backup
from cockpit_pipelines.assets.health import health_assets, health_checks
from cockpit_pipelines.assets.quality import quality_checks
from cockpit_pipelines.assets.raw import raw_specs, raw_tables_observation_sensor
from cockpit_pipelines.assets.retention import archive_assets
from cockpit_pipelines.assets.schema import warehouse_schema
from cockpit_pipelines.freshness import load_promises
from cockpit_pipelines.jobs import (
    backup_job,
    health_job,
    landing_load_job,
    nightly_analytics_job,
    partition_maintenance_job,
    retention_job,
    schema_job,
)
from cockpit_pipelines.resources import warehouse_from_env
from cockpit_pipelines.schedules import (
    backup_schedule,
    health_schedule,
    monthly_partitions_schedule,
    nightly_analytics_schedule,
    retention_schedule,
)
from cockpit_pipelines.sensors import (
    landing_zone_sensor,
    late_data_sensor,
    retention_pressure_sensor,
    run_failure_alert_sensor,
)

analytics_assets = dg.load_assets_from_modules([rag, usage, telemetry, governance, reports])

defs = dg.Definitions(
    assets=[warehouse_schema, *raw_specs, *analytics_assets, *archive_assets, *health_assets, warehouse_backup],
    asset_checks=[*quality_checks, reports.clock_drift_target, *health_checks, backup_restores_identically],
    jobs=[schema_job, nightly_analytics_job, landing_load_job, retention_job, partition_maintenance_job, health_job,
          backup_job],
    schedules=[nightly_analytics_schedule, retention_schedule, monthly_partitions_schedule, health_schedule,
               backup_schedule],
    sensors=[landing_zone_sensor, raw_tables_observation_sensor, late_data_sensor, run_failure_alert_sensor,
             retention_pressure_sensor],
    resources={"warehouse": warehouse_from_env()},
)
# Every group and asset that policies/freshness.yaml promises something for exists (a typo fails the load).
load_promises().check_targets(defs.resolve_all_asset_specs())
