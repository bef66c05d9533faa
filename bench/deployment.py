"""The production instance of deploy/dagster.yaml as processes on this machine: a Dagster home on a storage
database, a `dagster-daemon run` and `cockpit worker` processes (Celery run workers on RabbitMQ, Redis as
the result backend). The deploy tests (tests/deploy/) and `cockpit bench`'s backfill through run workers
both start it from here; each supplies its own storage and warehouse databases.
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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from cockpit_pipelines.run_workers import (
    BACKEND_URL_ENV,
    BROKER_URL_ENV,
    DEFAULT_BACKEND_URL,
    DEFAULT_BROKER_URL,
    celery_app,
)
from cockpit_pipelines.settings import WAREHOUSE_URL_ENV

DEPLOY_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "dagster.yaml"
RABBITMQ, REDIS = ("127.0.0.1", 5672), ("127.0.0.1", 6379)
INSTANCE_ENV = ("DAGSTER_PG_URL", BROKER_URL_ENV, BACKEND_URL_ENV)
# The daemons a backfill through the workers needs: backfills cut into runs, the queue, run monitoring.
DAEMONS = ("BACKFILL", "QUEUED_RUN_COORDINATOR", "MONITORING")


def reachable(address: tuple[str, int]) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(address, timeout=2):
        return True
    return False


def services_missing() -> str | None:
    """Why the deployment cannot run here (RabbitMQ or Redis down), else None."""
    for name, address in (("RabbitMQ", RABBITMQ), ("Redis", REDIS)):
        if not reachable(address):
            return f"{name} is not running at {address[0]}:{address[1]} (.ci/run starts it)"
    return None


@dataclass
class Deployment:
    """An instance home on its own Dagster storage database, and the processes running on it."""

    home: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    workers: dict[str, str] = field(default_factory=dict)  # name -> its Celery node name (name-id@host)

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        with (self.home / f"{name}.log").open("w") as log:
            process = subprocess.Popen([sys.executable, *argv], cwd=self.home, env=self.env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def start_daemon(self) -> None:
        """`dagster-daemon run` on the code location, its schedules and sensors stopped first: only the
        backfills submitted run (the retention sensor would archive generated days, months old)."""
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
        """`cockpit worker` on the deployment's queue, as the Celery node `name-<id>@<host>`: unique on a
        broker that other deployments share (run monitoring pings a run's worker by its node name)."""
        node = f"{name}-{self.env['QUEUE'].rsplit('_', 1)[-1]}@{socket.gethostname()}"
        self.workers[name] = node
        self.start(name, "-m", "cockpit_pipelines.cli", "worker", "--name", node, "--queue", self.env["QUEUE"])

    def wait_ready(self, timeout: float = 300) -> None:
        """Wait until the daemon's backfill, queue and monitoring daemons beat and every worker answers
        a ping; raises with the processes' logs after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        app = celery_app(self.env[BROKER_URL_ENV], self.env[BACKEND_URL_ENV], self.env["QUEUE"])
        with self.instance() as instance:
            while time.monotonic() < deadline:
                beats = instance.get_daemon_heartbeats()
                answered = {node for reply in app.control.ping(destination=list(self.workers.values()), timeout=1)
                            for node in reply}
                if all(d in beats for d in DAEMONS) and answered >= set(self.workers.values()):
                    return
                time.sleep(1)
        raise RuntimeError(f"the deployment was not ready in {timeout:.0f} s\n{self.logs()}")

    def kill(self, name: str) -> None:
        """SIGKILL the process's whole group (a worker's runs, Dagster's `tail -F` of compute logs)."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name)

    def cockpit(self, *args: str, timeout: float | None = 240) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cockpit_pipelines.cli", *args], cwd=self.home, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.home.glob("*.log")))

    @contextlib.contextmanager
    def instance(self) -> Iterator[Any]:
        """The deployment's DagsterInstance in this process (its URLs come from the deployment's env)."""
        import dagster as dg

        saved = {key: os.environ.get(key) for key in INSTANCE_ENV}
        os.environ.update({key: self.env[key] for key in INSTANCE_ENV})
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
def deployment(parent: Path, storage: str, warehouse: str, *, partition_start: date, days_per_run: int,
               broker: str = DEFAULT_BROKER_URL, backend: str = DEFAULT_BACKEND_URL,
               overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Iterator[Deployment]:
    """deploy/dagster.yaml in a new DAGSTER_HOME under `parent`, its storage on the PostgreSQL database
    `storage` (empty), its runs on the warehouse `warehouse`, on a Celery queue of its own; `overrides`
    updates sections of the file (e.g. `{"run_retries": {"enabled": False}}`). Its processes are killed
    (their whole process groups) at the end, whatever happened."""
    home = parent / f"home_{uuid.uuid4().hex[:6]}"
    home.mkdir()
    config = yaml.safe_load(DEPLOY_CONFIG.read_text())
    for section, values in (overrides or {}).items():
        config.setdefault(section, {}).update(values)
    queue = f"cockpit_deploy_{uuid.uuid4().hex[:8]}"
    config["run_launcher"]["config"]["default_queue"] = queue
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    env = {
        **os.environ, "DAGSTER_HOME": str(home), "COCKPIT_HOME": str(home), "CI": "true", "QUEUE": queue,
        # dagster-postgres needs psycopg2's scheme (see deploy/dagster.yaml)
        "DAGSTER_PG_URL": storage.replace("postgresql+psycopg://", "postgresql+psycopg2://"),
        WAREHOUSE_URL_ENV: warehouse, "COCKPIT_PARTITION_START": partition_start.isoformat(),
        "COCKPIT_DAYS_PER_RUN": str(days_per_run), BROKER_URL_ENV: broker, BACKEND_URL_ENV: backend,
    }
    deployed = Deployment(home, env)
    try:
        yield deployed
    finally:
        deployed.stop()
