"""`cockpit worker`: a Celery run worker for the instance's `WorkerRunLauncher` (cockpit_pipelines.run_workers).

A thin wrapper: it execs `celery -A cockpit_pipelines.worker_app worker` under the running interpreter (so
that `.venv/bin/cockpit worker` works with no virtual environment activated), on the broker and backend
of COCKPIT_CELERY_BROKER_URL / COCKPIT_CELERY_BACKEND_URL, for the instance at DAGSTER_HOME (the same
`dagster.yaml` as the daemon's: the worker writes the runs' events there).

Its pool is Celery's `threads`: a run executes in a thread of the worker process, and starts its steps as
processes of their own (Dagster's multiprocess executor), which a prefork pool's (daemonic) processes may
not do; the worker's main thread keeps answering the pings of run monitoring meanwhile.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid

from cockpit_pipelines.cli.home import ensure_dagster_home
from cockpit_pipelines.run_workers import backend_url, broker_url, shown_url
from cockpit_pipelines.worker_app import QUEUE_ENV


def worker_argv(args: argparse.Namespace) -> list[str]:
    """The `celery worker` command line of `cockpit worker`."""
    name = args.name or f"cockpit-{uuid.uuid4().hex[:6]}"
    return [sys.executable, "-m", "celery", "-A", "cockpit_pipelines.worker_app", "worker", "--queues", args.queue,
            "--hostname", name if "@" in name else f"{name}@%h", "--pool", "threads",
            "--concurrency", str(args.concurrency), "--prefetch-multiplier", "1", "--loglevel", args.loglevel,
            "--without-gossip", "--without-mingle"]


def run_worker(args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        print("--concurrency must be at least 1", file=sys.stderr)
        return 2
    home = ensure_dagster_home()
    print(f"run worker: queue {args.queue}, {args.concurrency} run(s) at a time, broker {shown_url(broker_url())}, "
          f"backend {shown_url(backend_url())}, instance {home}", file=sys.stderr, flush=True)
    os.environ[QUEUE_ENV] = args.queue
    argv = worker_argv(args)
    os.execv(argv[0], argv)
    return 0
