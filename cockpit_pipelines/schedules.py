"""Schedules: the platform's nightly rhythm (UTC)."""

from __future__ import annotations

import dagster as dg

from cockpit_pipelines.jobs import nightly_analytics_job

nightly_analytics_schedule = dg.build_schedule_from_partitioned_job(
    nightly_analytics_job,
    name="nightly_analytics_schedule",
    hour_of_day=2,
    minute_of_hour=0,
    description="02:00 UTC: yesterday's partition of every analytics asset, with its checks.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
