"""Daily UTC partitions shared by every analytics asset."""

from __future__ import annotations

import dagster as dg

from cockpit_pipelines.settings import partition_start

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=partition_start().isoformat(),
    timezone="UTC",
    fmt="%Y-%m-%d",
)
