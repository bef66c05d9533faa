"""In-process single-run backfills (`cockpit backfill`, `cockpit demo`) with a compact check summary.

A range is one run (the assets' `BackfillPolicy.single_run()`), with one exception: the blocking
checks of the raw tables gate every day of their run at once, so one bad day would stop the whole
range. The raw tables' suites are therefore validated first (`blocking_windows`: the whole range in
SQL, and only when it fails, bisected down to the bad days); each window that fails gets a run of
its own, in which its check fails and its downstream assets are skipped, and the good days around
it run as single runs, unaffected. `raw_checks=False` (`cockpit backfill --no-raw-checks`) leaves the
raw tables' suites out: for rebuilding derived tables from days whose raw rows were validated before
(by the nightly job, whose results stay in the instance). Without it, a suite whose passing validation
of the same window is kept, the rows it read provably unchanged since (`kept_validations`), is not
validated again: the raw tables' checks in the runs take the validations made just before them, as
does a rerun of the same days; `--revalidate` validates regardless.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from cockpit_pipelines.progress import Progress
from cockpit_pipelines.settings import WAREHOUSE_URL_ENV

ANALYTICS_JOB = "nightly_analytics_job"
BACKFILL_TAG = "cockpit/backfill"  # shared by the runs of one `cockpit backfill`
# The summary is the CLI's output: Dagster's own event log stays in the instance (and the UI).
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
DAY = timedelta(days=1)


def window_text(start: date, end: date) -> str:
    """`2026-04-01` for one day, `2026-03-30..2026-04-02` for a range."""
    return start.isoformat() if start == end else f"{start}..{end}"


@dataclass
class CheckOutcome:
    asset: str
    check: str
    passed: bool
    severity: str
    blocking: bool
    description: str
    failing: str = ""
    partitions: str = ""  # the run's partition window
    kept_from: datetime | None = None  # a passing validation kept from an earlier run, taken


    @property
    def stops_downstream(self) -> bool:
        """A failed blocking check of ERROR severity: the assets downstream of it are not built."""
        return not self.passed and self.blocking and self.severity == "ERROR"


@dataclass
class RunOutcome:
    """One run of the backfill: a window of consecutive days."""

    run_id: str
    start: date
    end: date
    success: bool
    materialized: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=dict)  # each materialized asset's own step

    @property
    def window(self) -> str:
        return window_text(self.start, self.end)

    def line(self) -> str:
        passed = sum(c.passed for c in self.checks)
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        return (f"run {self.run_id[:8]} {self.window:<22} {'succeeded' if self.success else 'FAILED':<9} "
                f"{len(self.materialized)} assets{skipped}, checks {passed}/{len(self.checks)} passed, "
                f"{self.seconds:.1f}s")


@dataclass
class BackfillReport:
    start: date
    end: date
    runs: list[RunOutcome] = field(default_factory=list)
    # windows that a raw table's blocking check fails on (validated before the runs) → those tables
    isolated: dict[tuple[date, date], list[str]] = field(default_factory=dict)
    raw_checks: bool = True
    seconds: float = 0.0
    # when the command began: a validation kept from before it was taken from an earlier command
    began: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def window(self) -> str:
        return window_text(self.start, self.end)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.runs)

    @property
    def checks(self) -> list[CheckOutcome]:
        return [c for r in self.runs for c in r.checks]

    @property
    def materialized(self) -> dict[str, int]:
        """Rows written per asset over all runs."""
        totals: dict[str, int] = {}
        for run in self.runs:
            for asset, rows in run.materialized.items():
                totals[asset] = totals.get(asset, 0) + rows
        return totals

    @property
    def step_seconds(self) -> dict[str, float]:
        """Seconds of each asset's own step over all runs (as the UI shows a step: start to success)."""
        totals: dict[str, float] = {}
        for run in self.runs:
            for asset, seconds in run.step_seconds.items():
                totals[asset] = totals.get(asset, 0.0) + seconds
        return totals

    def failed_blocking(self) -> list[CheckOutcome]:
        """Failed blocking checks of ERROR severity: the ones that stop downstream assets."""
        return [c for c in self.checks if c.stops_downstream]

    def summary_lines(self) -> list[str]:
        state = "succeeded" if self.success else "FAILED"
        if len(self.runs) == 1:
            lines = [f"backfill {self.window}: run {self.runs[0].run_id[:8]} {state} in {self.seconds:.1f}s"]
        else:
            lines = [f"backfill {self.window}: {len(self.runs)} runs, {state} in {self.seconds:.1f}s"]
            for (first, last), tables in self.isolated.items():
                lines.append(f"  {window_text(first, last)} runs alone: the blocking check of "
                             f"{', '.join(f'raw/{t}' for t in tables)} fails on it; the other days are not held up")
            lines.extend(f"  {run.line()}" for run in self.runs)
        steps = self.step_seconds
        for asset, rows in sorted(self.materialized.items()):
            step = f" in {steps[asset]:.2f}s" if asset in steps else ""
            lines.append(f"  materialized {asset:<28} {rows:>10,} rows{step}")
        for run in self.runs:
            if run.skipped:
                lines.append(f"  skipped for {run.window}: {', '.join(run.skipped)} (downstream of a failed "
                             "blocking check or step)")
        checks = self.checks
        raw = [c for c in checks if c.asset.startswith("raw/")]
        derived = [c for c in checks if not c.asset.startswith("raw/")]
        lines.append(f"  checks: {sum(c.passed for c in checks)}/{len(checks)} passed (raw tables "
                     f"{sum(c.passed for c in raw)}/{len(raw)}, derived tables {sum(c.passed for c in derived)}/"
                     f"{len(derived)})")
        if not self.raw_checks:
            lines.append("  raw tables not validated (--no-raw-checks): their latest check results are in the UI")
        kept = {c.asset: c.kept_from for c in checks if c.kept_from and c.kept_from < self.began}
        if kept:
            tables = ", ".join(f"{asset} (validated {moment:%Y-%m-%d %H:%M} UTC)"
                               for asset, moment in sorted(kept.items()))
            lines.append(f"  kept validations taken, no row they read has changed since: {tables}; "
                         "--revalidate validates them again")
        for c in checks:
            if not c.passed:
                kind = "BLOCKING" if c.stops_downstream else c.severity
                lines.append(f"  {kind} check failed: {c.asset}:{c.check} for partition {c.partitions}: "
                             f"{c.description}")
                lines.extend(f"      failing: {_clip(rule)}" for rule in c.failing.splitlines())
        lines.extend(f"  error: {e}" for run in self.runs for e in run.errors)
        return lines


def _clip(text: str, width: int = 240) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_backfill(
    start: date,
    end: date,
    *,
    instance: dg.DagsterInstance,
    select: Sequence[str] | None = None,
    raw_checks: bool = True,
    show_progress: bool = True,
) -> BackfillReport:
    """Materialize every daily asset (or `select`) for [start, end] with its checks: one run, unless a raw
    table's blocking check fails on some days, which then run alone (see the module docstring)."""
    started, began = time.perf_counter(), datetime.now(UTC)
    job = analytics_job(select, raw_checks=raw_checks)
    isolated = blocked_windows(job, start, end, show_progress=show_progress)
    report = BackfillReport(start=start, end=end, isolated=isolated, raw_checks=raw_checks, began=began)
    backfill_id = str(uuid.uuid4())
    for first, last in plan_runs(start, end, list(isolated)):
        report.runs.append(_run(job, first, last, instance, backfill_id, show_progress))
    report.seconds = time.perf_counter() - started
    return report


def analytics_job(select: Sequence[str] | None = None, *, raw_checks: bool = True) -> dg.JobDefinition:
    """The nightly job, or its subset for `select`: those assets, their checks and (unless `raw_checks`
    is False) the checks of the raw tables they read."""
    from cockpit_pipelines.definitions import defs

    job = defs.resolve_job_def(ANALYTICS_JOB)
    if not select and raw_checks:
        return job
    keys = job.asset_layer.selected_asset_keys
    wanted = {dg.AssetKey.from_user_string(s) for s in select} if select else set(keys)
    unknown = wanted - keys
    if unknown:
        names = ", ".join(sorted(k.to_user_string() for k in unknown))
        choices = ", ".join(sorted(k.to_user_string() for k in keys))
        raise ValueError(f"not daily assets: {names}; choose from {choices}")
    graph = job.asset_layer.asset_graph
    parents = {parent for key in wanted for parent in graph.get(key).parent_keys} if raw_checks else set()
    checks = {c for c in graph.asset_check_keys if c.asset_key in wanted | parents}
    return job.get_subset(asset_selection=wanted, asset_check_selection=checks)


def blocked_windows(job: dg.JobDefinition, start: date, end: date, *,
                    show_progress: bool = True) -> dict[tuple[date, date], list[str]]:
    """The windows (first, last day) inside [start, end] that the job's raw-table checks fail on, with
    the tables whose checks fail there."""
    from cockpit_pipelines.assets.quality import blocking_windows
    from cockpit_pipelines.resources import WarehouseResource
    from cockpit_pipelines.windows import Window

    tables = sorted(key.asset_key.path[-1] for key in job.asset_layer.asset_graph.asset_check_keys
                    if key.asset_key.path[0] == "raw")
    if not tables:
        return {}
    warehouse = WarehouseResource(url=os.environ.get(WAREHOUSE_URL_ENV) or None)
    window = Window(datetime.combine(start, datetime.min.time()), datetime.combine(end + DAY, datetime.min.time()))
    found: dict[tuple[date, date], list[str]] = {}
    with Progress(f"validate raw tables {window_text(start, end)}", total=len(tables), unit="table") as progress:
        for table in tables:
            for bad in blocking_windows(warehouse, table, window):
                found.setdefault((bad.start.date(), bad.end.date() - DAY), []).append(table)
            if show_progress:
                progress.advance(label=table)
    return dict(sorted(found.items()))


def plan_runs(start: date, end: date, blocked: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    """[start, end] cut into runs: each blocked window alone (overlapping ones merged), the good days
    between them as single runs, in day order."""
    merged: list[list[date]] = []
    for first, last in sorted(blocked):
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    runs: list[tuple[date, date]] = []
    day = start
    for first, last in merged:
        if day < first:
            runs.append((day, first - DAY))
        runs.append((first, last))
        day = last + DAY
    if day <= end:
        runs.append((day, end))
    return runs


def _run(job: dg.JobDefinition, start: date, end: date, instance: dg.DagsterInstance, backfill_id: str,
         show_progress: bool) -> RunOutcome:
    keys = sorted(job.asset_layer.selected_asset_keys, key=lambda k: k.to_user_string())
    run_id = str(uuid.uuid4())
    partitions = (
        {PARTITION_NAME_TAG: start.isoformat()} if start == end
        else {ASSET_PARTITION_RANGE_START_TAG: start.isoformat(), ASSET_PARTITION_RANGE_END_TAG: end.isoformat()}
    )
    tags = {**partitions, "cockpit/kind": "backfill", BACKFILL_TAG: backfill_id}
    outcome: dict[str, dg.ExecuteInProcessResult] = {}
    # The run's materializations as the instance stores them, for the progress line: the instance calls
    # its listeners on the run's thread, so the progress needs no polling of the event log.
    materialized: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def listen(entry: dg.EventLogEntry) -> None:
        if entry.dagster_event and entry.dagster_event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialized.put(entry.dagster_event.asset_key.to_user_string())

    def execute() -> None:
        try:
            outcome["result"] = job.execute_in_process(
                instance=instance, tags=tags, run_id=run_id, raise_on_error=False, run_config=QUIET
            )
        finally:
            materialized.put(None)

    instance.add_event_listener(run_id, listen)
    started = time.perf_counter()
    worker = threading.Thread(target=execute, name="cockpit-backfill")
    worker.start()
    with Progress(f"backfill {window_text(start, end)}", total=len(keys), unit="asset") as progress:
        seen: set[str] = set()
        while (asset := materialized.get()) is not None:
            if show_progress and asset not in seen:
                progress.advance(label=asset)
            seen.add(asset)
    worker.join()
    run = _outcome(outcome["result"], run_id, start, end, keys, time.perf_counter() - started)
    run.step_seconds = _step_seconds(instance, outcome["result"], run_id)
    return run


def _step_seconds(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult, run_id: str) -> dict[str, float]:
    """Each materialized asset's step time, from the instance's step stats of the run."""
    assets = {e.step_key: e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    return {assets[stats.step_key]: stats.end_time - stats.start_time
            for stats in instance.get_run_step_stats(run_id, step_keys=list(assets))
            if stats.start_time is not None and stats.end_time is not None}


def _outcome(result: dg.ExecuteInProcessResult, run_id: str, start: date, end: date,
             keys: Sequence[dg.AssetKey], seconds: float) -> RunOutcome:
    run = RunOutcome(run_id=run_id, start=start, end=end, success=result.success, seconds=seconds)
    for event in result.get_asset_materialization_events():
        # A range run records one materialization per partition, each with the run's metadata.
        mat = event.step_materialization_data.materialization
        rows = mat.metadata.get("dagster/row_count")
        run.materialized.setdefault(mat.asset_key.to_user_string(), int(rows.value if rows else 0))
    run.skipped = [k.to_user_string() for k in keys if k.to_user_string() not in run.materialized]
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.asset_check_evaluation_data
            failing = data.metadata.get("failing_rules") or data.metadata.get("sample_failing_values")
            kept = data.metadata.get("kept_validation_of")
            run.checks.append(
                CheckOutcome(
                    asset=data.asset_check_key.asset_key.to_user_string(),
                    check=data.asset_check_key.name,
                    passed=data.passed,
                    severity=data.severity.value,
                    blocking=bool(data.blocking),
                    description=data.description or "",
                    failing=str(failing.value) if failing else "",
                    partitions=run.window,
                    kept_from=datetime.fromtimestamp(kept.value, UTC) if kept else None,
                )
            )
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            if error and error.cls_name == "DagsterAssetCheckFailedError":
                continue  # a failed blocking check: reported with its rule above
            message = error.message.strip().splitlines()[0] if error else "step failed"
            run.errors.append(f"{event.step_key} for {run.window}: {message} (run {run_id[:8]} in the UI)")
    return run
