"""Runs on Celery workers: dagster-celery's `CeleryRunLauncher` and worker app with the project's settings.

The instance (deploy/dagster.yaml) launches each run as a Celery task (`execute_job`, `resume_job`) on the
broker `COCKPIT_CELERY_BROKER_URL` (RabbitMQ); `cockpit worker` starts the Celery worker that executes
them (`worker_app`). Task states go to the result backend `COCKPIT_CELERY_BACKEND_URL` (Redis): the
daemon's run monitoring reads them there to tell a live run from one whose worker died.

`WorkerRunLauncher` is dagster-celery's launcher with four changes:
- a task still waiting on the broker for a free worker (PENDING) counts as running: the stock launcher
  reports it UNKNOWN, which run monitoring takes for a dead worker, so that a resumed run waiting behind
  a busy worker would be resumed again until its attempts ran out;
- a task STARTED on a worker that no longer answers a ping (the whole worker was killed, so nobody
  recorded the task's failure) is FAILED: run monitoring then resumes the run on another worker;
- a resumption sends the resume task its argument under the name the task takes (see `resume_run`);
- a broker it cannot reach fails the launch with an error naming the broker, its password hidden.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from celery import Celery
from dagster._core.errors import DagsterLaunchFailedError
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, ResumeRunContext, WorkerStatus
from dagster._grpc.types import ResumeRunArgs
from dagster._serdes import pack_value
from dagster_celery.config import DEFAULT_CONFIG, TASK_EXECUTE_JOB_NAME, TASK_RESUME_JOB_NAME
from dagster_celery.defaults import task_default_queue
from dagster_celery.launcher import CeleryRunLauncher
from dagster_celery.make_app import make_app
from dagster_celery.tags import DAGSTER_CELERY_TASK_ID_TAG
from dagster_celery.tasks import create_resume_job_task
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

BROKER_URL_ENV = "COCKPIT_CELERY_BROKER_URL"
BACKEND_URL_ENV = "COCKPIT_CELERY_BACKEND_URL"
DEFAULT_BROKER_URL = "pyamqp://guest:guest@127.0.0.1:5672//"
DEFAULT_BACKEND_URL = "redis://127.0.0.1:6379/0"
DEFAULT_QUEUE = task_default_queue
WORKER_TAG = "cockpit/worker"  # the Celery worker (name@host) that executes, or last executed, the run
RUN_TASKS = (TASK_EXECUTE_JOB_NAME, TASK_RESUME_JOB_NAME)
PING_TIMEOUT_S = 2.0
PING_ATTEMPTS = 3

# Celery settings shared by the launcher and the workers (on top of dagster-celery's defaults).
CELERY_CONFIG: dict[str, Any] = {
    **DEFAULT_CONFIG,
    "result_extended": True,  # the backend keeps each task's worker
    "result_expires": 7 * 24 * 3600,  # a run's task state outlives the longest run
    "broker_connection_timeout": 5,
    "broker_connection_retry_on_startup": True,
}


def broker_url() -> str:
    return os.environ.get(BROKER_URL_ENV) or DEFAULT_BROKER_URL


def backend_url() -> str:
    return os.environ.get(BACKEND_URL_ENV) or DEFAULT_BACKEND_URL


def shown_url(url: str) -> str:
    """A broker or backend URL with its password hidden."""
    return str(maybe_sanitize_url(url))


def celery_app(broker: str | None = None, backend: str | None = None, queue: str = DEFAULT_QUEUE) -> Celery:
    """dagster-celery's app (its queue and routes) on the project's broker and backend."""
    return make_app(app_args={"broker": broker or broker_url(), "backend": backend or backend_url(), "include": [],
                              "config_source": dict(CELERY_CONFIG), "task_default_queue": queue})


class WorkerRunLauncher(CeleryRunLauncher):
    """dagster-celery's `CeleryRunLauncher` with the project's Celery settings (see the module docstring)."""

    def __init__(self, default_queue: str = DEFAULT_QUEUE, broker: str | None = None, backend: str | None = None,
                 include: list[str] | None = None, config_source: dict | None = None,
                 inst_data: Any = None) -> None:
        super().__init__(default_queue=default_queue, broker=broker or broker_url(),
                         backend=backend or backend_url(), include=include,
                         config_source={**CELERY_CONFIG, **(config_source or {})}, inst_data=inst_data)

    def launch_run(self, context: LaunchRunContext) -> None:
        self._reaching_broker(super().launch_run, context)

    def resume_run(self, context: ResumeRunContext) -> None:
        """The stock `resume_run` sends the resume task its argument under the execute task's name
        (`execute_job_args_packed`), which the task (`resume_job_args_packed`) refuses: every resumption
        would fail. This sends it under the task's own name."""
        self._reaching_broker(self._resume, context)

    def _resume(self, context: ResumeRunContext) -> None:
        run = context.dagster_run
        args = ResumeRunArgs(job_origin=run.job_code_origin, run_id=run.run_id, instance_ref=self._instance.get_ref(),
                             set_exit_code_on_failure=True)
        task = create_resume_job_task(self.celery).si(resume_job_args_packed=pack_value(args))
        self._launch_celery_task_run(run=run, task_signature=task, routing_key=TASK_RESUME_JOB_NAME)

    def _reaching_broker(self, launch: Any, context: LaunchRunContext | ResumeRunContext) -> None:
        try:
            launch(context)
        except OperationalError as exc:
            raise DagsterLaunchFailedError(
                f"cannot send run {context.dagster_run.run_id} to the Celery broker "
                f"{shown_url(str(self.broker))}: {exc}"
            ) from exc

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        result = self.celery.AsyncResult(run.tags[DAGSTER_CELERY_TASK_ID_TAG])
        state = result.state
        if state == "PENDING":
            return CheckRunHealthResult(WorkerStatus.RUNNING, "queued on the broker, waiting for a worker")
        if state == "STARTED":
            info = result.info if isinstance(result.info, Mapping) else {}
            hostname = info.get("hostname")
            if hostname and not self._answers(hostname):
                return CheckRunHealthResult(WorkerStatus.FAILED,
                                            f"Celery worker {hostname} running the run does not answer")
        return super().check_run_worker_health(run)

    def _answers(self, hostname: str) -> bool:
        return any(self.celery.control.ping(destination=[hostname], timeout=PING_TIMEOUT_S)
                   for _ in range(PING_ATTEMPTS))
