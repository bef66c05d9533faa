"""`cockpit archive` and `cockpit restore`."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import date

from cockpit_pipelines.archive import (
    ArchiveError,
    Plan,
    PolicyError,
    load_settings,
    plan_retention,
    restore,
    run_retention,
)
from cockpit_pipelines.archive.store import ArchiveStore
from cockpit_pipelines.cli.home import configured_warehouse
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.utc import day_range, parse_instant


def parse_keep(values: list[str] | None) -> dict[str, str]:
    """`--keep TABLE=DURATION` pairs."""
    keep = {}
    for value in values or ():
        table, sep, duration = value.partition("=")
        if not sep or not table or not duration:
            raise PolicyError(f"--keep {value!r}: write TABLE=DURATION, e.g. usage_events=45d (or TABLE=off)")
        keep[table.strip()] = duration.strip()
    return keep


def _warehouse_and_archive() -> tuple[Engine, ArchiveStore]:
    """The configured warehouse and archive, named on stderr."""
    store = ArchiveStore()
    return configured_warehouse(f"archive: {store.root}"), store


def run_archive(args: argparse.Namespace) -> int:
    try:
        keep = parse_keep(args.keep)
        load_settings().with_keep(keep)
        now = parse_instant(args.as_of)
    except (PolicyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine, store = _warehouse_and_archive()
    try:
        if args.dry_run:
            plans = plan_retention(engine, tables=args.table, keep=keep, now=now, store=store)
            for plan in plans:
                print(plan.summary())
            print(f"dry run: {sum(p.rows for p in plans):,} row(s) in {sum(len(p.batches) for p in plans)} "
                  "batch(es) would be archived; nothing was changed")
            waiting = sum(len(p.blocked) for p in plans)
            if waiting:
                print(f"{waiting} due day(s) wait for their rollups: `cockpit archive` builds those first "
                      "(unless --no-build), then archives them too")
            return 0
        if not args.no_build and not build_missing_rollups(
            plan_retention(engine, tables=args.table, keep=keep, now=now, store=store)
        ):
            return 1
        run_id = f"cli-{uuid.uuid4().hex[:12]}"
        results = run_retention(engine, tables=args.table, keep=keep, now=now, store=store, run_id=run_id,
                                log=lambda line: print(line, file=sys.stderr))
    except (ArchiveError, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for result in results:
        print(result.summary())
    rows, seconds = sum(r.rows for r in results), sum(r.seconds for r in results)
    print(f"archived {rows:,} row(s) in {seconds:.1f}s (run {run_id})")
    return 0


def build_missing_rollups(plans: list[Plan]) -> bool:
    """Build the rollup days that hold back due rows (`requires_built`) with `cockpit backfill`'s runner, so
    that the archive run that follows may delete them. Returns False when a build failed."""
    import dagster as dg

    from cockpit_pipelines.cli.backfill import analytics_job, run_backfill
    from cockpit_pipelines.cli.home import ensure_dagster_home

    graph = analytics_job().asset_layer.asset_graph
    for plan in plans:
        days = sorted(b.day for b in plan.blocked)
        if not days:
            continue
        required = {dg.AssetKey.from_user_string(name) for name in plan.policy.requires_built}
        downstream = {child for key in required for child in graph.get(key).child_keys}  # usage_monthly
        select = sorted(k.to_user_string() for k in required | downstream)
        print(f"{plan.policy.table}: {len(days)} due day(s) are not built in "
              f"{', '.join(plan.policy.requires_built)} yet: building {', '.join(select)} for them first "
              "(--no-build skips this)", file=sys.stderr)
        ensure_dagster_home()
        with dg.DagsterInstance.get() as instance:
            for first, last in contiguous(days):
                report = run_backfill(first, last, instance=instance, select=select)
                print("\n".join(report.summary_lines()), file=sys.stderr)
                if not report.success or report.failed_blocking():
                    print(f"error: building {first}..{last} failed; {plan.policy.table} keeps those days",
                          file=sys.stderr)
                    return False
    return True


def contiguous(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as (first, last) runs of consecutive days."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def run_restore(args: argparse.Namespace) -> int:
    try:
        first, last = day_range(args.start, args.end)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine, store = _warehouse_and_archive()
    try:
        result = restore(engine, args.table, first, last, store=store)
    except (ArchiveError, PolicyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0
