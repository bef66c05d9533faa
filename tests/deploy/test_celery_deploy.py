"""The production instance of deploy/dagster.yaml with real services: Dagster's storage and the warehouse on
PostgreSQL, RabbitMQ as the broker, Redis as the result backend, a `dagster-daemon run` and two
`cockpit worker` processes with distinct names (the harness: bench/deployment.py).

One deployment (storage database, daemon, workers alpha and beta) serves the module, over one generated
28-day warehouse. A `cockpit backfill --submit` with COCKPIT_DAYS_PER_RUN=7 becomes 4 runs on both
workers, whose derived tables equal an in-process `cockpit backfill` of the same raw rows; then a worker
killed (SIGKILL) in the middle of a run has the run resumed on the other worker, and the rebuilt tables
are still the same, with no duplicated rows (each asset replaces its windows' rows whole). Before both, on
that warehouse still unbuilt, a deployment of its own whose broker cannot be reached fails the launch
with a message naming the broker (its password hidden), and writes nothing.
The instance's intervals are shortened (run monitoring every 2 s, the queue every second); everything
else is the file's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import DERIVED_KEYS, REPO_ROOT, VOLATILE, fresh_database, migrated

from bench.deployment import Deployment, deployment, services_missing
from bench.fanout import run_costs, submitted_backfill_id, summarize
from bench.runner import workers_rows
from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.run_workers import WORKER_TAG

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

FIRST = date(2026, 2, 1)
DAYS = 28
LAST = FIRST + timedelta(days=DAYS - 1)
SCALE, SEED = 0.01, 5
DAYS_PER_RUN = 7
DERIVED = DERIVED_KEYS
USAGE = ("usage_hourly", "usage_daily", "usage_monthly")
FAST = {"run_monitoring": {"poll_interval_seconds": 2, "start_timeout_seconds": 180},
        "run_coordinator": {"config": {"dequeue_interval_seconds": 1}}}


@pytest.fixture(scope="module", autouse=True)
def _services() -> None:
    missing = services_missing()
    if missing:
        pytest.skip(missing)


@contextlib.contextmanager
def deployed_on(tmp: Path, warehouse: str, **options: Any) -> Iterator[Deployment]:
    """The deployment on a fresh storage database of the machine's PostgreSQL."""
    for storage in fresh_database("postgres"):
        with deployment(tmp, storage, warehouse, partition_start=FIRST, days_per_run=DAYS_PER_RUN,
                        **options) as deployed:
            yield deployed


def snapshot(url: str) -> dict[str, pl.DataFrame]:
    """Every derived table, without its volatile columns, sorted by its key."""
    engine = engine_for(url)
    frames = {}
    for table, keys in DERIVED.items():
        frame = engine.read_frame(f"SELECT * FROM {table}")
        frames[table] = frame.drop([c for c in VOLATILE if c in frame.columns]).sort(keys, nulls_last=True)
    return frames


def assert_same_tables(actual: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame]) -> None:
    for table, frame in expected.items():
        assert frame.height > 0, f"{table}: the in-process backfill built no rows"
        assert actual[table].equals(frame), f"{table}: {actual[table].height} rows vs {frame.height} in process"


def generating(url: str) -> subprocess.Popen:
    """`cockpit generate` of the days (same seed, same rows) into the migrated warehouse at `url`, started."""
    env = {**os.environ, "COCKPIT_WAREHOUSE_URL": url, "CI": "true"}
    return subprocess.Popen([sys.executable, "-m", "cockpit_pipelines.cli", "generate", "--start", FIRST.isoformat(),
                             "--days", str(DAYS), "--scale", str(SCALE), "--seed", str(SEED)],
                            env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[str, str]]:
    """Two migrated databases with the same raw rows of the 28 days, generated at once: the module's
    warehouse, and the reference the in-process backfill builds."""
    for warehouse in fresh_database("postgres"):
        for reference in fresh_database("postgres"):
            started = [generating(migrated(url)) for url in (warehouse, reference)]
            for process in started:
                _, err = process.communicate(timeout=300)
                assert process.returncode == 0, err
            yield warehouse, reference


@pytest.fixture(scope="module")
def warehouse(databases: tuple[str, str]) -> str:
    """The module's warehouse: its derived tables are built by the tests."""
    return databases[0]


@pytest.fixture(scope="module")
def in_process_backfill(databases: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
                        ) -> Iterator[tuple[subprocess.Popen, Path]]:
    """An in-process `cockpit backfill` of the 28 days on the reference database, started (it runs while
    the tests before it wait on their daemons)."""
    home = tmp_path_factory.mktemp("in_process")
    env = {**os.environ, "COCKPIT_WAREHOUSE_URL": databases[1], "COCKPIT_HOME": str(home),
           "DAGSTER_HOME": str(home / "dh"), "COCKPIT_PARTITION_START": FIRST.isoformat(), "CI": "true"}
    with (home / "backfill.log").open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "cockpit_pipelines.cli", "backfill", "--start",
                                    FIRST.isoformat(), "--end", LAST.isoformat()], env=env, cwd=REPO_ROOT,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    yield process, home / "backfill.log"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="module")
def in_process(in_process_backfill: tuple[subprocess.Popen, Path], databases: tuple[str, str]
               ) -> dict[str, pl.DataFrame]:
    """The derived tables of the in-process backfill, once it ended."""
    process, log = in_process_backfill
    assert process.wait(timeout=600) == 0, log.read_text()
    return snapshot(databases[1])


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, warehouse: str) -> Iterator[Deployment]:
    """The module's deployment on `warehouse`: the daemon and the workers alpha and beta."""
    with deployed_on(tmp_path_factory.mktemp("deploy"), warehouse, overrides=FAST) as deployed:
        deployed.start_daemon()
        deployed.start_worker("alpha")
        deployed.start_worker("beta")
        yield deployed


def _backfill_runs(instance, output: str) -> list:
    import dagster as dg
    from dagster._core.storage.tags import BACKFILL_ID_TAG

    return list(instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_ID_TAG: submitted_backfill_id(output)})))


def test_an_unreachable_broker_fails_the_launch_naming_it(
        tmp_path: Path, warehouse: str, in_process_backfill: tuple[subprocess.Popen, Path],
        deployed: Deployment) -> None:
    """On a deployment of its own, run retries off (a retry would be launched against the same dead broker,
    and only delay the end). The in-process backfill and the module's deployment start meanwhile."""
    overrides = {**FAST, "run_retries": {"enabled": False}}
    with deployed_on(tmp_path, warehouse, broker="pyamqp://guest:s3cret@127.0.0.1:1//",
                     overrides=overrides) as unreachable:
        unreachable.start_daemon()
        done = unreachable.cockpit("backfill", "--start", FIRST.isoformat(), "--end",
                                   (FIRST + timedelta(days=DAYS_PER_RUN - 1)).isoformat(), "--submit")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Celery broker pyamqp://guest:**@127.0.0.1:1//" in output, output
    assert "s3cret" not in output
    assert all(frame.is_empty() for frame in snapshot(warehouse).values())


def test_a_month_fans_out_to_both_workers_with_the_in_process_tables(
        deployed: Deployment, warehouse: str, in_process: dict[str, pl.DataFrame]) -> None:
    """Also the bench's figures of such a backfill (bench/fanout.py), each run's fixed cost from its events."""
    submitted_at = time.time()
    done = deployed.cockpit("backfill", "--start", FIRST.isoformat(), "--end", LAST.isoformat(), "--submit")
    ended_at = time.time()
    assert done.returncode == 0, done.stdout + done.stderr + deployed.logs()
    with deployed.instance() as instance:
        runs = _backfill_runs(instance, done.stdout)
        costs = run_costs(instance, submitted_backfill_id(done.stdout))
    assert len(runs) == DAYS // DAYS_PER_RUN, done.stdout
    workers = {run.tags[WORKER_TAG] for run in runs}
    assert workers == {deployed.workers["alpha"], deployed.workers["beta"]}, done.stdout
    assert all(run.tags["cockpit/scan"] == "warehouse" for run in runs)
    assert_same_tables(snapshot(warehouse), in_process)

    figures = summarize(costs, {node: name for name, node in deployed.workers.items()}, submitted_at, ended_at)
    assert all(r["days"] == DAYS_PER_RUN and r["steps_s"] > 0 and r["fixed_s"] > 0 for r in costs), costs
    assert sum(figures["runs_per_worker"].values()) == len(runs) and min(figures["runs_per_worker"].values()) > 0
    assert figures["first_launch_s"] > 0 and figures["after_last_s"] >= 0
    shown = workers_rows({"workers": 2, "days_per_run": DAYS_PER_RUN, "ready_s": 1.0,
                          "seconds": ended_at - submitted_at, **figures}, None)
    assert any("through 2 run workers" in row[0] for row in shown), shown


def test_a_run_whose_worker_is_killed_resumes_on_the_other_worker(
        deployed: Deployment, warehouse: str, in_process: dict[str, pl.DataFrame]) -> None:
    """The usage assets built again over the same days (by the test before, or not): a run on alpha
    loses its worker mid-run and is resumed on beta; the tables end the same, with no row twice."""
    import dagster as dg

    submit = subprocess.Popen(
        [sys.executable, "-m", "cockpit_pipelines.cli", "backfill", "--start", FIRST.isoformat(),
         "--end", LAST.isoformat(), "--submit", "--select", *USAGE],
        cwd=deployed.home, env=deployed.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        killed = _kill_alpha_mid_run(deployed)
        out, err = submit.communicate(timeout=300)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(submit.pid, signal.SIGKILL)
    assert submit.returncode == 0, out + err + deployed.logs()
    with deployed.instance() as instance:
        run = instance.get_run_by_id(killed)
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags[WORKER_TAG] == deployed.workers["beta"]
        messages = [e.message for e in instance.all_logs(killed, of_type=dg.DagsterEventType.ENGINE_EVENT)]
        assert any("Resuming run" in m or "resume" in m.lower() for m in messages), messages
    tables = snapshot(warehouse)
    assert_same_tables({t: tables[t] for t in USAGE}, {t: in_process[t] for t in USAGE})


def _kill_alpha_mid_run(deployed: Deployment) -> str:
    """Wait for a run on worker alpha that has finished a step and not the run, then SIGKILL alpha's whole
    process group; the run's id."""
    import dagster as dg

    deadline = time.monotonic() + 180
    with deployed.instance() as instance:
        while time.monotonic() < deadline:
            for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
                if run.tags.get(WORKER_TAG) != deployed.workers["alpha"]:
                    continue
                if instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS):
                    deployed.kill("alpha")
                    return run.run_id
            time.sleep(0.5)
    raise AssertionError("no run on worker alpha finished a step in time\n" + deployed.logs())
