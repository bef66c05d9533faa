"""In-process single-run backfills (`cockpit backfill`, `cockpit demo`) with a compact check summary."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from cockpit_pipelines.progress import Progress

ANALYTICS_JOB = "nightly_analytics_job"
# The summary is the CLI's output: Dagster's own event log stays in the instance (and the UI).
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class CheckOutcome:
    asset: str
    check: str
    passed: bool
    severity: str
    blocking: bool
    description: str
    failing: str = ""


@dataclass
class BackfillReport:
    run_id: str
    start: date
    end: date
    success: bool
    materialized: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def window(self) -> str:
        return f"{self.start}..{self.end}"

    def failed_blocking(self) -> list[CheckOutcome]:
        """Failed blocking checks of ERROR severity: the ones that stop downstream assets."""
        return [c for c in self.checks if not c.passed and c.blocking and c.severity == "ERROR"]

    def summary_lines(self) -> list[str]:
        lines = [f"backfill {self.window}: run {self.run_id[:8]} "
                 f"{'succeeded' if self.success else 'FAILED'} in {self.seconds:.1f}s"]
        for asset, rows in sorted(self.materialized.items()):
            lines.append(f"  materialized {asset:<28} {rows:>10,} rows")
        for asset in self.skipped:
            lines.append(f"  skipped      {asset} (upstream failed or a blocking check failed)")
        passed = sum(c.passed for c in self.checks)
        lines.append(f"  checks: {passed}/{len(self.checks)} passed")
        for c in self.checks:
            if not c.passed:
                kind = "BLOCKING" if c in self.failed_blocking() else c.severity
                lines.append(f"  {kind} check failed: {c.asset}:{c.check} for {self.window}: {c.description}")
                lines.extend(f"      failing: {_clip(rule)}" for rule in c.failing.splitlines())
        lines.extend(f"  error: {e}" for e in self.errors)
        return lines


def _clip(text: str, width: int = 240) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_backfill(
    start: date,
    end: date,
    *,
    instance: dg.DagsterInstance,
    select: Sequence[str] | None = None,
    show_progress: bool = True,
) -> BackfillReport:
    """Materialize every daily asset (or `select`) for [start, end] as ONE run, with its checks."""
    job = analytics_job(select)
    keys = sorted(job.asset_layer.selected_asset_keys, key=lambda k: k.to_user_string())
    run_id = str(uuid.uuid4())
    tags = {
        ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
        ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
        "cockpit/kind": "backfill",
    }
    outcome: dict[str, dg.ExecuteInProcessResult] = {}

    def execute() -> None:
        outcome["result"] = job.execute_in_process(
            instance=instance, tags=tags, run_id=run_id, raise_on_error=False, run_config=QUIET
        )

    started = time.perf_counter()
    worker = threading.Thread(target=execute, name="cockpit-backfill")
    worker.start()
    with Progress(f"backfill {start}..{end}", total=len(keys), unit="asset") as progress:
        seen: set[str] = set()
        while worker.is_alive() or len(seen) < len(keys):
            worker.join(timeout=0.5)
            for asset in _materialized_assets(instance, run_id) - seen:
                seen.add(asset)
                if show_progress:
                    progress.advance(label=asset)
            if not worker.is_alive():
                break
    return _report(outcome["result"], run_id, start, end, keys, time.perf_counter() - started)


def analytics_job(select: Sequence[str] | None = None) -> dg.JobDefinition:
    """The nightly job, or its subset for `select`: those assets, their checks and the checks of the raw
    tables they read."""
    from cockpit_pipelines.definitions import defs

    job = defs.resolve_job_def(ANALYTICS_JOB)
    if not select:
        return job
    keys = job.asset_layer.selected_asset_keys
    wanted = {dg.AssetKey.from_user_string(s) for s in select}
    unknown = wanted - keys
    if unknown:
        names = ", ".join(sorted(k.to_user_string() for k in unknown))
        choices = ", ".join(sorted(k.to_user_string() for k in keys))
        raise ValueError(f"not daily assets: {names}; choose from {choices}")
    graph = job.asset_layer.asset_graph
    inputs = wanted | {parent for key in wanted for parent in graph.get(key).parent_keys}
    checks = {c for c in graph.asset_check_keys if c.asset_key in inputs}
    return job.get_subset(asset_selection=wanted, asset_check_selection=checks)


def _materialized_assets(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    return {r.event_log_entry.dagster_event.asset_key.to_user_string() for r in records}


def _report(result: dg.ExecuteInProcessResult, run_id: str, start: date, end: date,
            keys: Sequence[dg.AssetKey], seconds: float) -> BackfillReport:
    report = BackfillReport(run_id=run_id, start=start, end=end, success=result.success, seconds=seconds)
    for event in result.get_asset_materialization_events():
        # A range run records one materialization per partition, each with the run's metadata.
        mat = event.step_materialization_data.materialization
        rows = mat.metadata.get("dagster/row_count")
        report.materialized.setdefault(mat.asset_key.to_user_string(), int(rows.value if rows else 0))
    report.skipped = [k.to_user_string() for k in keys if k.to_user_string() not in report.materialized]
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.asset_check_evaluation_data
            failing = data.metadata.get("failing_rules") or data.metadata.get("sample_failing_values")
            report.checks.append(
                CheckOutcome(
                    asset=data.asset_check_key.asset_key.to_user_string(),
                    check=data.asset_check_key.name,
                    passed=data.passed,
                    severity=data.severity.value,
                    blocking=bool(data.blocking),
                    description=data.description or "",
                    failing=str(failing.value) if failing else "",
                )
            )
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            message = error.message.strip().splitlines()[0] if error else "step failed"
            report.errors.append(f"{event.step_key}: {message}")
    return report
