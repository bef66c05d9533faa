"""Daily UTC partitions shared by every analytics asset."""

from __future__ import annotations

import dagster as dg

from cockpit_pipelines.settings import days_per_run, partition_start
from cockpit_pipelines.utc import naive_utc
from cockpit_pipelines.windows import Window

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=partition_start().isoformat(),
    timezone="UTC",
    fmt="%Y-%m-%d",
)

# The pool of the assets that scan the warehouse: an instance with run-granularity pools
# (deploy/dagster.yaml) runs at most its limit of their runs at once, however the runs were launched.
WAREHOUSE_POOL = "warehouse"
# The run tag of the runs that scan the warehouse, which the instance's run queue limits too.
WAREHOUSE_SCAN_TAGS = {"cockpit/scan": "warehouse"}


def daily_backfill_policy() -> dg.BackfillPolicy:
    """The backfill policy of every daily asset: `COCKPIT_DAYS_PER_RUN` days per run, else one run."""
    days = days_per_run()
    return dg.BackfillPolicy.single_run() if days is None else dg.BackfillPolicy.multi_run(days)


def partition_window(context: dg.AssetCheckExecutionContext | dg.AssetExecutionContext) -> Window:
    """The run's daily partition, or its range in a single-run backfill.

    Read from the run's partition tags, so that an unpartitioned check (on a raw table) gets the
    window of the partitioned run it is part of. Outside a partitioned run: the last complete day.
    """
    if context.has_partition_key or context.has_partition_key_range:
        first, last = context.partition_key_range.start, context.partition_key_range.end
    else:
        first = last = daily_partitions.get_last_partition_key()
    return Window(
        naive_utc(daily_partitions.time_window_for_partition_key(first).start),
        naive_utc(daily_partitions.time_window_for_partition_key(last).end),
    )
