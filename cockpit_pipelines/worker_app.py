"""The Celery app of a run worker (`cockpit worker` runs `celery -A cockpit_pipelines.worker_app worker`).

dagster-celery's app and run tasks (`execute_job`, `resume_job`: each executes or resumes a run of the
instance at DAGSTER_HOME) on the project's broker and backend, for the queue `COCKPIT_CELERY_QUEUE`. Before
a run task starts, the worker records its own name on the run (tag `cockpit/worker`, and an engine event
in the run's log), so that the UI shows which worker executed each run and each resumption.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg
from celery.signals import task_prerun
from dagster._core.events import EngineEventData
from dagster._serdes import unpack_value
from dagster_celery.tasks import create_execute_job_task, create_resume_job_task

from cockpit_pipelines.run_workers import DEFAULT_QUEUE, RUN_TASKS, WORKER_TAG, celery_app

QUEUE_ENV = "COCKPIT_CELERY_QUEUE"

app = celery_app(queue=os.environ.get(QUEUE_ENV) or DEFAULT_QUEUE)
execute_job = create_execute_job_task(app)
resume_job = create_resume_job_task(app)


@task_prerun.connect
def record_worker(task: Any = None, args: Any = None, kwargs: Any = None, **_: Any) -> None:
    """Tag the run with this worker's name before its task runs."""
    if task is None or task.name not in RUN_TASKS:
        return
    packed = next(iter((kwargs or {}).values()), None) or next(iter(args or ()), None)
    run_id = getattr(unpack_value(packed), "run_id", None)  # ExecuteRunArgs or ResumeRunArgs
    if run_id is None:
        return
    hostname = task.request.hostname
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return
        instance.add_run_tags(run.run_id, {WORKER_TAG: hostname})
        instance.report_engine_event(f"Run task {task.name} started on Celery worker {hostname}", run,
                                     EngineEventData({"Celery worker": hostname, "Celery task": task.request.id}))
