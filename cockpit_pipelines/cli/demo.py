"""`cockpit demo`: the main job, end to end, on the configured warehouse (embedded PostgreSQL by default).

1. schema: the schema assets apply every pending migration and run their drift checks;
2. raw data: a week of deterministic synthetic rows (the days before today, UTC);
3. the nightly pipeline for that week as one single-run backfill, with every quality check;
4. a summary of what was built, the checks and a few figures, and how to open the UI.

Every run is recorded in the project's Dagster instance, so the UI shows it.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from cockpit_pipelines.cli.backfill import QUIET, BackfillReport, run_backfill
from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.generator.load import generate
from cockpit_pipelines.utc import today_utc


@dataclass(frozen=True)
class DemoOptions:
    days: int = 7
    scale: float = 1.0
    seed: int = 7
    end: date | None = None  # last day (inclusive); default yesterday, UTC

    @property
    def last_day(self) -> date:
        return self.end or today_utc() - timedelta(days=1)

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=self.days - 1)


def _say(text: str = "") -> None:
    print(text, flush=True)


def run_schema(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """The schema job (every schema asset and its blocking drift check), recorded in `instance`."""
    from cockpit_pipelines.definitions import defs

    return defs.resolve_job_def("schema_job").execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET, tags={"cockpit/kind": "demo"}
    )


def _schema_step(instance: dg.DagsterInstance, engine: Engine) -> bool:
    _say("1. schema: migrations through the schema assets, then the drift checks")
    result = run_schema(instance)
    checks = [e.asset_check_evaluation_data for e in result.all_events
              if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    failed = [c for c in checks if not c.passed]
    for check in failed:
        _say(f"   FAILED check {check.asset_check_key.to_user_string()}: {check.description}")
    if not result.success or failed:
        _say("   the schema step failed: see the run in the UI (cockpit ui)")
        return False
    tables = engine.catalog_columns()
    _say(f"   {len(result.get_asset_materialization_events())} schema assets, {len(checks)} drift checks passed; "
         f"{len(tables)} tables, {sum(len(c) for c in tables.values())} columns")
    return True


def _generate_step(engine: Engine, options: DemoOptions) -> None:
    _say(f"2. raw data: {options.days} days {options.first_day}..{options.last_day}, scale {options.scale}, "
         f"seed {options.seed}")
    started = time.perf_counter()
    report = generate(engine, options.first_day, options.days, scale=options.scale, seed=options.seed)
    elapsed = time.perf_counter() - started
    _say(f"   {sum(report.facts.values()):,} raw rows in {len(report.facts)} tables "
         f"(+{sum(report.reference.values()):,} new reference rows) in {elapsed:.1f}s")


def _observe_raw_tables(instance: dg.DagsterInstance, engine: Engine) -> None:
    """Report each raw table's row count and newest row to the instance (the raw assets in the UI)."""
    from cockpit_pipelines.assets.raw import raw_observations, raw_table_stats

    for observation in raw_observations(raw_table_stats(engine)):
        instance.report_runless_asset_event(observation)


def _figures(engine: Engine, options: DemoOptions) -> list[str]:
    """A few numbers a person looks at first: RAG quality and cost, usage, compliance."""
    params = {"start": options.first_day, "end": options.last_day}
    rag = engine.query(
        "SELECT SUM(total_queries), AVG(citation_rate), MAX(p95_latency_ms), SUM(total_cost) "
        "FROM rag_metrics_history WHERE date >= :start AND date <= :end", params)[0]
    usage = engine.query(
        "SELECT SUM(request_count), SUM(total_cost_cents) FROM usage_daily "
        "WHERE bucket >= :start AND bucket < :after",
        {"start": options.first_day, "after": options.last_day + timedelta(days=1)})[0]
    compliance = engine.query(
        "SELECT MIN(compliance_rate), SUM(open_violations) FROM compliance_scores WHERE score_date = :end",
        params)[0]
    lines = []
    if rag[0] is not None:
        lines.append(f"   RAG: {int(rag[0]):,} answers, citation rate {float(rag[1]):.1f}% (daily average), "
                     f"worst p95 latency {float(rag[2]):,.0f} ms, cost ¥{float(rag[3]):,.2f}")
    if usage[0] is not None:
        lines.append(f"   usage: {int(usage[0]):,} API requests, ${int(usage[1]) / 100:,.2f}")
    if compliance[0] is not None:
        lines.append(f"   compliance on {options.last_day}: lowest standard at {float(compliance[0]):.2f}%, "
                     f"{int(compliance[1])} open violations")
    return lines


def _pipeline_step(instance: dg.DagsterInstance, options: DemoOptions) -> BackfillReport:
    _say(f"3. nightly pipeline for {options.first_day}..{options.last_day}: one single-run backfill with its checks")
    report = run_backfill(options.first_day, options.last_day, instance=instance)
    for line in report.summary_lines():
        _say(f"   {line}")
    return report


def run_demo(options: DemoOptions | None = None) -> int:
    """Run the demo; returns the exit code (1 when a step or a blocking check failed)."""
    options = options or DemoOptions()
    started = time.perf_counter()
    engine = engine_for(None)
    _say(f"cockpit demo on {engine.describe()} ({engine.name})")
    with dg.DagsterInstance.get() as instance:
        if not _schema_step(instance, engine):
            return 1
        _generate_step(engine, options)
        _observe_raw_tables(instance, engine)
        report = _pipeline_step(instance, options)
    _say("4. summary")
    for line in _figures(engine, options):
        _say(line)
    ok = report.success and not report.failed_blocking()
    _say(f"\n{'done' if ok else 'FAILED'} in {time.perf_counter() - started:.1f}s. "
         f"Open the UI with:  {_cockpit_command()} ui  → http://127.0.0.1:3000")
    return 0 if ok else 1


def _cockpit_command() -> str:
    """The `cockpit` script beside the running interpreter, as the user would type it from here."""
    script = Path(sys.executable).with_name("cockpit")
    shown = os.path.relpath(script)
    return shown if not shown.startswith("..") else str(script)


if __name__ == "__main__":
    sys.exit(run_demo())
