"""`cockpit demo`: the main job, end to end, on the configured warehouse (embedded by default)."""

from __future__ import annotations

import sys
import time

import dagster as dg

from cockpit_pipelines.engines import engine_for


def _say(text: str) -> None:
    print(text, flush=True)


def run_schema(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    from cockpit_pipelines.definitions import defs

    return defs.get_job_def("schema_job").execute_in_process(instance=instance, raise_on_error=False)


def run_demo() -> int:
    started = time.perf_counter()
    engine = engine_for(None)
    _say(f"cockpit demo on {engine.describe()} ({engine.name})")
    with dg.DagsterInstance.get() as instance:
        _say("1. schema: applying migrations through the schema assets …")
        result = run_schema(instance)
        failed_checks = [
            e.asset_check_evaluation_data
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed
        ]
        if not result.success or failed_checks:
            for check in failed_checks:
                _say(f"   FAILED check {check.asset_check_key.to_user_string()}: {check.description}")
            _say("schema step failed: see the run in the UI (`cockpit ui`)")
            return 1
        domains = [m.asset_key.path[-1] for m in result.get_asset_materialization_events()]
        _say(f"   {len(domains)} schema assets materialized, drift checks passed: {', '.join(domains)}")
    tables = engine.catalog_columns()
    _say(f"   warehouse now has {len(tables)} tables, {sum(len(c) for c in tables.values())} columns")
    _say(f"\ndone in {time.perf_counter() - started:.1f}s. Open the UI with:  cockpit ui   (or: dagster dev)")
    return 0


if __name__ == "__main__":
    sys.exit(run_demo())
