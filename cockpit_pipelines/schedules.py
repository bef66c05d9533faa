"""Schedules: the platform's nightly rhythm (UTC)."""

from __future__ import annotations

import dagster as dg

from cockpit_pipelines.assets.retention import RETENTION_TAGS, run_config
from cockpit_pipelines.jobs import backup_job, health_job, nightly_analytics_job, retention_job
from cockpit_pipelines.utc import naive_utc

nightly_analytics_schedule = dg.build_schedule_from_partitioned_job(
    nightly_analytics_job,
    name="nightly_analytics_schedule",
    hour_of_day=2,
    minute_of_hour=0,
    description="02:00 UTC: yesterday's partition of every analytics asset, with its checks.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

health_schedule = dg.build_schedule_from_partitioned_job(
    health_job,
    name="health_schedule",
    hour_of_day=4,
    minute_of_hour=30,
    description="04:30 UTC, after the nightly and retention runs: yesterday's health snapshot, with its checks.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


@dg.schedule(
    cron_schedule="0 3 * * *",
    job_name=retention_job.name,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="03:00 UTC: every retention policy, with the tick as the cutoffs' `now` (a re-execution of the "
    "run archives against the same cutoffs).",
)
def retention_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    tick = naive_utc(context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"retention:{tick:%Y-%m-%d}", run_config=run_config(as_of=tick),
                         tags={**RETENTION_TAGS, "cockpit/trigger": "schedule"})


@dg.schedule(
    cron_schedule="0 1 1 * *",
    job_name="partition_maintenance_job",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="01:00 UTC on the 1st: the monthly partitions of this month and the next premake_months "
    "(retention.yaml) of every range-partitioned table.",
)
def monthly_partitions_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    month = naive_utc(context.scheduled_execution_time).date().replace(day=1)
    return dg.RunRequest(
        run_key=f"partitions:{month:%Y-%m}",
        run_config={"ops": {"create_future_partitions": {"config": {"start": f"{month:%Y-%m}"}}}},
        tags={"cockpit/kind": "maintenance"},
    )


backup_schedule = dg.build_schedule_from_partitioned_job(
    backup_job,
    name="backup_schedule",
    hour_of_day=4,
    minute_of_hour=0,
    description="04:00 UTC, after the nightly pipeline and retention: today's full backup, verified by a restore.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
