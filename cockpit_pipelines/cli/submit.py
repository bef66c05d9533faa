"""`cockpit backfill --submit`: the days' backfill created in the instance and followed to its end.

The backfill is the kind the UI creates (an asset backfill of the daily assets over a partition range):
the daemon cuts it into runs by the assets' backfill policy (`COCKPIT_DAYS_PER_RUN` days a run), the run
queue launches them within its limits, and the instance's run launcher sends them to the run workers.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import dagster as dg
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    BACKFILL_ID_TAG,
    PARTITION_NAME_TAG,
)
from dagster._core.utils import make_new_backfill_id
from dagster._time import get_current_timestamp

from cockpit_pipelines.cli.backfill import analytics_job, window_text
from cockpit_pipelines.partitions import WAREHOUSE_SCAN_TAGS
from cockpit_pipelines.progress import Progress
from cockpit_pipelines.run_workers import WORKER_TAG

ENDED = {BulkActionStatus.COMPLETED, BulkActionStatus.COMPLETED_SUCCESS, BulkActionStatus.COMPLETED_FAILED,
         BulkActionStatus.FAILED, BulkActionStatus.CANCELED}
FINISHED_RUN = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
# The runs execute their steps one after the other in the run worker's process (the default executor's
# in-process mode): a step in a process of its own would pay Python's, Dagster's and the definitions'
# start-up again for each of a run's steps; the parallelism is the runs', over the workers.
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}
NO_DAEMON_S = 60.0  # a backfill still unprocessed after this long, and no daemon heartbeat: nobody processes it


@dataclass
class SubmittedBackfill:
    """A backfill created by `submit_backfill`, as `follow_backfill` last saw it."""

    backfill_id: str
    start: date
    end: date
    status: BulkActionStatus = BulkActionStatus.REQUESTED
    runs: dict[str, dg.DagsterRun] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def success(self) -> bool:
        return (self.status in (BulkActionStatus.COMPLETED, BulkActionStatus.COMPLETED_SUCCESS) and not self.errors
                and all(r.status == dg.DagsterRunStatus.SUCCESS for r in self.runs.values()))

    def summary_lines(self) -> list[str]:
        lines = [f"backfill {self.backfill_id} {window_text(self.start, self.end)}: {len(self.runs)} run(s), "
                 f"{self.status.value} in {self.seconds:.1f}s"]
        lines.extend(f"  {run_line(run)}" for run in sorted(self.runs.values(), key=run_window))
        lines.extend(f"  error: {e}" for e in self.errors)
        return lines


def submit_backfill(start: date, end: date, *, instance: dg.DagsterInstance,
                    select: Sequence[str] | None = None) -> SubmittedBackfill:
    """Create the backfill of every daily asset (or `select`) for [start, end] in the instance.

    Dagster 1.13 has no public Python API that creates a backfill (the UI calls the webserver's GraphQL
    mutation `launchPartitionBackfill`); this builds the same asset backfill with
    `PartitionBackfill.from_asset_partitions` and stores it with `DagsterInstance.add_backfill`, as that
    mutation does, so that the daemon processes it like one from the UI."""
    from cockpit_pipelines.definitions import defs

    keys = sorted(analytics_job(select, raw_checks=False).asset_layer.selected_asset_keys)
    days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id=make_new_backfill_id(),
        asset_graph=defs.resolve_asset_graph(),
        partition_names=days,
        asset_selection=keys,
        backfill_timestamp=get_current_timestamp(),
        tags={"cockpit/kind": "backfill", **WAREHOUSE_SCAN_TAGS},
        dynamic_partitions_store=instance,
        all_partitions=False,
        title=f"cockpit backfill {window_text(start, end)}",
        description=f"{len(keys)} daily asset(s) for {window_text(start, end)}, submitted by `cockpit backfill "
        "--submit`",
        run_config=IN_PROCESS,
    )
    instance.add_backfill(backfill)
    return SubmittedBackfill(backfill.backfill_id, start, end)


def follow_backfill(instance: dg.DagsterInstance, submitted: SubmittedBackfill, *, poll_s: float = 2.0,
                    show: Callable[[str], None] | None = None) -> SubmittedBackfill:
    """Wait for the backfill's end, a line for each change of one of its runs; fills `submitted`."""
    show = show or (lambda line: print(line, file=sys.stderr, flush=True))
    started = time.perf_counter()
    seen: dict[str, tuple[dg.DagsterRunStatus, str]] = {}
    done: set[str] = set()  # the windows of runs that succeeded (a retried window counts once)
    days = (submitted.end - submitted.start).days + 1
    with Progress(f"backfill {submitted.backfill_id}", total=days, unit="day") as progress:
        while True:
            backfill = instance.get_backfill(submitted.backfill_id)
            submitted.status = backfill.status if backfill else BulkActionStatus.FAILED
            for run in instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_ID_TAG: submitted.backfill_id})):
                submitted.runs[run.run_id] = run
                state = (run.status, run.tags.get(WORKER_TAG, ""))
                if seen.get(run.run_id) != state:
                    seen[run.run_id] = state
                    show(run_line(run))
                    window = run_window(run)
                    if run.status == dg.DagsterRunStatus.SUCCESS and window not in done:
                        done.add(window)
                        progress.advance(run_days(run), label=window)
            finished = all(r.status in FINISHED_RUN for r in submitted.runs.values())
            if submitted.status in ENDED and finished:
                break
            waited = time.perf_counter() - started
            if submitted.status == BulkActionStatus.REQUESTED and not submitted.runs and waited > NO_DAEMON_S \
                    and not _daemon_alive(instance):
                submitted.errors.append("no dagster-daemon processes this instance's backfills (start "
                                        "`dagster-daemon run` with the same DAGSTER_HOME); the backfill stays "
                                        "requested and runs when one starts")
                break
            time.sleep(poll_s)
    for run in submitted.runs.values():
        if run.status != dg.DagsterRunStatus.SUCCESS:
            submitted.errors.extend(run_errors(instance, run))
    if backfill is not None and backfill.failure_count and backfill.error:
        submitted.errors.append(backfill.error.message.strip().splitlines()[0])
    submitted.seconds = time.perf_counter() - started
    return submitted


def run_window(run: dg.DagsterRun) -> str:
    tags = run.tags
    if ASSET_PARTITION_RANGE_START_TAG in tags:
        return window_text(date.fromisoformat(tags[ASSET_PARTITION_RANGE_START_TAG]),
                           date.fromisoformat(tags[ASSET_PARTITION_RANGE_END_TAG]))
    return tags.get(PARTITION_NAME_TAG, "")


def run_days(run: dg.DagsterRun) -> int:
    tags = run.tags
    if ASSET_PARTITION_RANGE_START_TAG in tags:
        first = date.fromisoformat(tags[ASSET_PARTITION_RANGE_START_TAG])
        return (date.fromisoformat(tags[ASSET_PARTITION_RANGE_END_TAG]) - first).days + 1
    return 1


def run_line(run: dg.DagsterRun) -> str:
    worker = run.tags.get(WORKER_TAG)
    return f"run {run.run_id[:8]} {run_window(run):<22} {run.status.value:<9}" + (f" on {worker}" if worker else "")


def run_errors(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[str]:
    """Why a run did not succeed: the errors of its engine events and its failure, first line each."""
    found: list[str] = []
    for entry in instance.all_logs(run.run_id, of_type={dg.DagsterEventType.ENGINE_EVENT,
                                                        dg.DagsterEventType.RUN_FAILURE,
                                                        dg.DagsterEventType.STEP_FAILURE}):
        event = entry.dagster_event
        data = event.event_specific_data if event else None
        error = getattr(data, "error", None)
        if error is not None:
            found.append(f"run {run.run_id[:8]} {run_window(run)}: {error.message.strip().splitlines()[0]}")
    if not found:
        found.append(f"run {run.run_id[:8]} {run_window(run)}: {run.status.value} (see the run in the UI)")
    return list(dict.fromkeys(found))


def _daemon_alive(instance: dg.DagsterInstance) -> bool:
    beats = instance.get_daemon_heartbeats()
    return any(get_current_timestamp() - beat.timestamp < NO_DAEMON_S for beat in beats.values())
