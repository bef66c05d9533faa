"""The production instance of deploy/dagster.yaml with real services: Dagster's storage and the warehouse on
PostgreSQL, RabbitMQ as the broker, Redis as the result backend, a `dagster-daemon run` and two
`cockpit worker` processes with distinct names.

A 28-day `cockpit backfill --submit` with COCKPIT_DAYS_PER_RUN=7 becomes 4 runs on both workers, whose
derived tables equal an in-process `cockpit backfill` of the same raw rows; a worker killed (SIGKILL) in
the middle of a run has the run resumed on the other worker, with the same tables; a broker that cannot be
reached fails the launch with a message naming it (its password hidden), and writes nothing.
The instance's intervals are shortened (run monitoring every 2 s); everything else is the file's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from conftest import REPO_ROOT, fresh_database, migrated

from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.run_workers import WORKER_TAG

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

FIRST = date(2026, 2, 1)
DAYS = 28
LAST = FIRST + timedelta(days=DAYS - 1)
SCALE, SEED = 0.01, 5
DAYS_PER_RUN = 7
# derived table -> its key; columns that differ between two builds of the same rows
DERIVED = {
    "rag_metrics_history": ["date"],
    "usage_hourly": ["bucket", "org_id", "project_id", "model"],
    "usage_daily": ["bucket", "org_id", "project_id", "model", "user_id"],
    "usage_monthly": ["bucket", "org_id", "project_id", "model"],
    "token_usage_daily": ["usage_date", "project_id", "provider"],
    "metrics_hourly": ["bucket", "asset_id", "metric_type", "metric_name", "tenant_id"],
    "compliance_scores": ["score_date", "standard_id"],
}
VOLATILE = ("id", "computed_at", "user_key")
RABBITMQ, REDIS = ("127.0.0.1", 5672), ("127.0.0.1", 6379)


def _reachable(address: tuple[str, int]) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(address, timeout=2):
        return True
    return False


@pytest.fixture(scope="module", autouse=True)
def _services() -> None:
    for name, address in (("RabbitMQ", RABBITMQ), ("Redis", REDIS)):
        if not _reachable(address):
            pytest.skip(f"{name} is not running at {address[0]}:{address[1]} (.ci/run starts it)")


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


@dataclass
class Deployment:
    """An instance home on its own Dagster storage database, and the processes running on it."""

    home: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        log = (self.home / f"{name}.log").open("w")
        process = subprocess.Popen([sys.executable, *argv], cwd=self.home, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def start_daemon(self) -> None:
        """`dagster-daemon run` on the code location, its schedules and sensors stopped first: only the
        test's backfills run (the retention sensor would archive the generated days, months old)."""
        self.stop_schedules_and_sensors()
        self.start("daemon", "-m", "dagster._daemon", "run", "-m", "cockpit_pipelines.definitions")

    def stop_schedules_and_sensors(self) -> None:
        from dagster._core.workspace.context import WorkspaceProcessContext
        from dagster._core.workspace.load_target import ModuleTarget

        target = ModuleTarget(module_name="cockpit_pipelines.definitions", attribute=None, working_directory=None,
                              location_name=None)
        with self.instance() as instance, WorkspaceProcessContext(instance, target) as context:
            for location in context.create_request_context().code_locations:
                for repository in location.get_repositories().values():
                    for sensor in repository.get_sensors():
                        instance.stop_sensor(sensor.get_remote_origin_id(), sensor.selector_id, sensor)
                    for schedule in repository.get_schedules():
                        instance.stop_schedule(schedule.get_remote_origin_id(), schedule.selector_id, schedule)

    def start_worker(self, name: str) -> None:
        self.start(name, "-m", "cockpit_pipelines.cli", "worker", "--name", name, "--queue", self.env["QUEUE"])

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name)

    def cockpit(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cockpit_pipelines.cli", *args], cwd=self.home, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.home.glob("*.log")))

    @contextlib.contextmanager
    def instance(self) -> Iterator[Any]:
        """The deployment's DagsterInstance in this process (its URLs come from the deployment's env)."""
        import dagster as dg

        keys = ("DAGSTER_PG_URL", "COCKPIT_CELERY_BROKER_URL", "COCKPIT_CELERY_BACKEND_URL")
        saved = {key: os.environ.get(key) for key in keys}
        os.environ.update({key: self.env[key] for key in keys})
        try:
            with dg.DagsterInstance.from_config(str(self.home)) as instance:
                yield instance
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@contextlib.contextmanager
def deployment(tmp: Path, warehouse: str, *,
               broker: str = "pyamqp://guest:guest@127.0.0.1:5672//") -> Iterator[Deployment]:
    """deploy/dagster.yaml in a new DAGSTER_HOME on a fresh storage database; its processes are killed
    (their whole process groups) at the end, whatever happened."""
    for storage in fresh_database("postgres"):
        home = tmp / f"home_{uuid.uuid4().hex[:6]}"
        home.mkdir()
        config = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.yaml").read_text())
        config["run_monitoring"].update(poll_interval_seconds=2, start_timeout_seconds=180)
        queue = f"cockpit_test_{uuid.uuid4().hex[:8]}"
        config["run_launcher"]["config"]["default_queue"] = queue
        (home / "dagster.yaml").write_text(yaml.safe_dump(config))
        env = {
            **os.environ, "DAGSTER_HOME": str(home), "COCKPIT_HOME": str(home), "CI": "true", "QUEUE": queue,
            "DAGSTER_PG_URL": storage.replace("postgresql+psycopg://", "postgresql+psycopg2://"),
            "COCKPIT_WAREHOUSE_URL": warehouse, "COCKPIT_PARTITION_START": FIRST.isoformat(),
            "COCKPIT_DAYS_PER_RUN": str(DAYS_PER_RUN),
            "COCKPIT_CELERY_BROKER_URL": broker, "COCKPIT_CELERY_BACKEND_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0",
        }
        deployed = Deployment(home, env)
        try:
            yield deployed
        finally:
            deployed.stop()


def generated(url: str, days: int = DAYS) -> str:
    """The raw rows of the days (same seed, same rows) in the migrated warehouse at `url`."""
    env = {**os.environ, "COCKPIT_WAREHOUSE_URL": url, "CI": "true"}
    done = subprocess.run([sys.executable, "-m", "cockpit_pipelines.cli", "generate", "--start", FIRST.isoformat(),
                           "--days", str(days), "--scale", str(SCALE), "--seed", str(SEED)],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return url


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, pl.DataFrame]]:
    """The derived tables of one in-process `cockpit backfill` of the 28 days."""
    for url in fresh_database("postgres"):
        generated(migrated(url))
        home = tmp_path_factory.mktemp("in_process")
        env = {**os.environ, "COCKPIT_WAREHOUSE_URL": url, "COCKPIT_HOME": str(home), "DAGSTER_HOME": str(home / "dh"),
               "COCKPIT_PARTITION_START": FIRST.isoformat(), "CI": "true"}
        done = subprocess.run([sys.executable, "-m", "cockpit_pipelines.cli", "backfill", "--start", FIRST.isoformat(),
                               "--end", LAST.isoformat()], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        yield snapshot(url)


@pytest.fixture
def warehouse() -> Iterator[str]:
    for url in fresh_database("postgres"):
        yield generated(migrated(url))


def _backfill_runs(instance, output: str) -> list:
    import dagster as dg
    from dagster._core.storage.tags import BACKFILL_ID_TAG

    backfill_id = output.split("backfill ", 1)[1].split()[0]
    return list(instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id})))


def test_a_month_fans_out_to_both_workers_with_the_in_process_tables(
        tmp_path: Path, warehouse: str, in_process: dict[str, pl.DataFrame]) -> None:
    with deployment(tmp_path, warehouse) as deployed:
        deployed.start_daemon()
        deployed.start_worker("alpha")
        deployed.start_worker("beta")
        done = deployed.cockpit("backfill", "--start", FIRST.isoformat(), "--end", LAST.isoformat(), "--submit")
        assert done.returncode == 0, done.stdout + done.stderr + deployed.logs()
        with deployed.instance() as instance:
            runs = _backfill_runs(instance, done.stdout)
        assert len(runs) == DAYS // DAYS_PER_RUN, done.stdout
        workers = {run.tags[WORKER_TAG].split("@")[0] for run in runs}
        assert workers == {"alpha", "beta"}, done.stdout
        assert all(run.tags["cockpit/scan"] == "warehouse" for run in runs)
    assert_same_tables(snapshot(warehouse), in_process)


def test_a_run_whose_worker_is_killed_resumes_on_the_other_worker(
        tmp_path: Path, warehouse: str, in_process: dict[str, pl.DataFrame]) -> None:
    import dagster as dg

    with deployment(tmp_path, warehouse) as deployed:
        deployed.start_daemon()
        deployed.start_worker("alpha")
        submit = subprocess.Popen(
            [sys.executable, "-m", "cockpit_pipelines.cli", "backfill", "--start", FIRST.isoformat(),
             "--end", LAST.isoformat(), "--submit", "--select", "usage_hourly", "usage_daily", "usage_monthly"],
            cwd=deployed.home, env=deployed.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        try:
            killed = _kill_alpha_mid_run(deployed)
            deployed.start_worker("beta")
            out, err = submit.communicate(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(submit.pid, signal.SIGKILL)
        assert submit.returncode == 0, out + err + deployed.logs()
        with deployed.instance() as instance:
            run = instance.get_run_by_id(killed)
            assert run.status == dg.DagsterRunStatus.SUCCESS
            assert run.tags[WORKER_TAG].startswith("beta@")
            messages = [e.message for e in instance.all_logs(killed, of_type=dg.DagsterEventType.ENGINE_EVENT)]
            assert any("Resuming run" in m or "resume" in m.lower() for m in messages), messages
    tables = snapshot(warehouse)
    assert_same_tables({t: tables[t] for t in ("usage_hourly", "usage_daily", "usage_monthly")},
                       {t: in_process[t] for t in ("usage_hourly", "usage_daily", "usage_monthly")})


def _kill_alpha_mid_run(deployed: Deployment) -> str:
    """Wait for a run on worker alpha that has finished a step and not the run, then SIGKILL alpha's whole
    process group; the run's id."""
    import dagster as dg

    deadline = time.monotonic() + 180
    with deployed.instance() as instance:
        while time.monotonic() < deadline:
            for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
                if not run.tags.get(WORKER_TAG, "").startswith("alpha@"):
                    continue
                if instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS):
                    deployed.kill("alpha")
                    return run.run_id
            time.sleep(0.5)
    raise AssertionError("no run on worker alpha finished a step in time\n" + deployed.logs())


def test_an_unreachable_broker_fails_the_launch_naming_it(tmp_path: Path, warehouse: str) -> None:
    with deployment(tmp_path, warehouse, broker="pyamqp://guest:s3cret@127.0.0.1:1//") as deployed:
        deployed.start_daemon()
        done = deployed.cockpit("backfill", "--start", FIRST.isoformat(), "--end",
                                (FIRST + timedelta(days=DAYS_PER_RUN - 1)).isoformat(), "--submit")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Celery broker pyamqp://guest:**@127.0.0.1:1//" in output, output
    assert "s3cret" not in output
    assert all(frame.is_empty() for frame in snapshot(warehouse).values())
