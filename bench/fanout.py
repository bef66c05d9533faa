"""The backfill through run workers: the production instance (bench/deployment.py) with two `cockpit worker`
processes on this machine, a `cockpit backfill --submit` of the days, cut into runs of `days_per_run`
days; its wall time, and each run's fixed cost from its events (what a run pays besides its steps:
the launch through the broker, the worker starting the run, Dagster's bookkeeping), and what the backfill
pays once (from the submission to the first run's launch, after the last run's end), from which a reader
estimates the backfill on N machines.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.deployment import deployment, services_missing
from bench.scratch import Server, scratch_database
from cockpit_pipelines.run_workers import WORKER_TAG

WORKERS = ("alpha", "beta")


def workers_backfill(server: Server, warehouse: str, first: date, last: date, days_per_run: int,
                     assets: tuple[str, ...] = ()) -> dict[str, Any]:
    """`cockpit backfill --submit` of the days (every daily asset, or `assets`) on the warehouse, through
    two workers, the deployment's storage on a scratch database of `server` (PostgreSQL)."""
    missing = services_missing()
    if missing:
        return {"unavailable": f"not available: {missing}"}
    with scratch_database(server, "dagster", migrate=False) as storage, \
            tempfile.TemporaryDirectory(prefix="cockpit_bench_deploy_") as parent, \
            deployment(Path(parent), storage.url.render_as_string(hide_password=False), warehouse,
                       partition_start=first, days_per_run=days_per_run) as deployed:
        started = time.perf_counter()
        deployed.start_daemon()
        for name in WORKERS:
            deployed.start_worker(name)
        deployed.wait_ready()
        ready_s = time.perf_counter() - started
        command = ["backfill", "--start", first.isoformat(), "--end", last.isoformat(), "--submit"]
        if assets:
            command += ["--select", *assets]
        submitted_at, started = time.time(), time.perf_counter()
        done = deployed.cockpit(*command, timeout=None)
        seconds, ended_at = time.perf_counter() - started, time.time()
        if done.returncode:
            raise RuntimeError(f"cockpit backfill --submit failed (exit {done.returncode}): "
                               f"{(done.stdout + done.stderr)[-3000:]}\n{deployed.logs()}")
        with deployed.instance() as instance:
            runs = run_costs(instance, submitted_backfill_id(done.stdout))
        nodes = {node: name for name, node in deployed.workers.items()}
    return {"days": (last - first).days + 1, "days_per_run": days_per_run, "workers": len(WORKERS),
            "ready_s": ready_s, "seconds": seconds, **summarize(runs, nodes, submitted_at, ended_at)}


def submitted_backfill_id(output: str) -> str:
    """The backfill's id, as `cockpit backfill --submit` prints it."""
    return output.split("backfill ", 1)[1].split()[0]


def summarize(runs: list[dict[str, Any]], nodes: dict[str, str], submitted_at: float,
              ended_at: float) -> dict[str, Any]:
    """The backfill's figures from its runs (`run_costs`): runs per worker (`nodes`: a worker's node name
    to its name), the steps summed, the fixed cost a run, and the costs once a backfill (from the
    submission at `submitted_at` to the first launch, from the last run's end to the command's at
    `ended_at`)."""
    fixed = [r["fixed_s"] for r in runs]
    return {
        "runs": runs,
        "runs_per_worker": {name: sum(r["worker"] == node for r in runs) for node, name in nodes.items()},
        "steps_s": sum(r["steps_s"] for r in runs),
        "first_launch_s": min(r["launched_at"] for r in runs) - submitted_at,
        "after_last_s": ended_at - max(r["ended_at"] for r in runs),
        "fixed_s": statistics.median(fixed), "fixed_min_s": min(fixed), "fixed_max_s": max(fixed),
        "launch_s": statistics.median(r["launch_s"] for r in runs),
        "in_run_s": statistics.median(r["in_run_s"] for r in runs),
    }


def run_costs(instance: Any, backfill_id: str) -> list[dict[str, Any]]:
    """Each run of the backfill, from its events: `launch_s` from the daemon's launch (RUN_STARTING) to the
    run's start in the worker (RUN_START), `in_run_s` its start to its end minus its steps (which run one
    after the other, the in-process executor), `fixed_s` their sum; `steps_s`, `worker`, its days."""
    import dagster as dg
    from dagster._core.storage.tags import BACKFILL_ID_TAG

    from cockpit_pipelines.cli.submit import run_days

    found = []
    for record in instance.get_run_records(filters=dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id})):
        run = record.dagster_run
        starting = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_STARTING)
        launched = starting[0].timestamp if starting else record.start_time
        steps = sum(s.end_time - s.start_time for s in instance.get_run_step_stats(run.run_id)
                    if s.start_time and s.end_time)
        launch = record.start_time - launched
        in_run = record.end_time - record.start_time - steps
        found.append({"run_id": run.run_id, "days": run_days(run), "worker": run.tags.get(WORKER_TAG),
                      "steps_s": steps, "launch_s": launch, "in_run_s": in_run, "fixed_s": launch + in_run,
                      "wall_s": record.end_time - launched, "launched_at": launched,
                      "ended_at": record.end_time})
    return found
