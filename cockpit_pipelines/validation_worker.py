"""A worker process for the expectation suites of one command (`cockpit backfill`).

Importing Great Expectations takes seconds. Started first thing, the worker imports it and the suites'
validation (`cockpit_pipelines.suites`, which imports no Dagster) while the command goes on with its
own work until the first check (starting Dagster, building the assets that come before it); the
checks then hand their validation to it. This module imports neither.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")
EXIT_TIMEOUT_S = 5
# Modules Great Expectations imports with its package but uses only for expectations the suites do
# not have (KL divergence, Kolmogorov-Smirnov tests, their charts): about a third of its import's
# CPU. The worker imports them when first used (`deferred_import`).
DEFERRED_BY_GX = ("scipy.stats", "altair")

_worker: _Worker | None = None


class _Worker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), name="cockpit-validation", daemon=True)
        self._process.start()
        child.close()
        self._lock = threading.Lock()

    def call(self, function: Callable[..., T], *args: Any) -> T:
        with self._lock:
            self._conn.send((function, args))
            ok, value = self._conn.recv()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the worker at once: it holds nothing to clean up (its exit handlers take a second)."""
        self._conn.close()
        self._process.terminate()
        self._process.join(timeout=EXIT_TIMEOUT_S)


def import_for_validation() -> None:
    """What the worker imports before it serves: Great Expectations, with `DEFERRED_BY_GX` deferred,
    and the suites' module."""
    from cockpit_pipelines.deferred_import import defer

    defer(*DEFERRED_BY_GX)
    import great_expectations  # noqa: F401

    import cockpit_pipelines.suites  # noqa: F401


def _serve(conn: Connection) -> None:
    """The worker's loop: import first, then run each call sent until the pipe closes."""
    # No collection while importing (a fifth of the import's CPU, which the command's own work on the
    # other core could use): see `collect_less`.
    gc.disable()
    import_for_validation()
    from tqdm import tqdm

    from cockpit_pipelines.settings import collect_less

    collect_less()

    # GX's progress bars (tqdm) would create a multiprocessing lock, a semaphore that a stopped worker
    # leaves behind; the worker runs one call at a time, so a thread lock does.
    tqdm.set_lock(threading.RLock())

    while True:
        try:
            function, args = conn.recv()
        except EOFError:
            return
        try:
            reply = (True, function(*args))
        except Exception as exc:  # the caller raises it
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # an unpicklable result or exception
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc} (in the validation worker)")))


@contextlib.contextmanager
def validation_worker() -> Iterator[None]:
    """Inside the block, `call` runs functions in the worker, started on entering."""
    global _worker
    outer, _worker = _worker, _Worker()
    try:
        yield
    finally:
        worker, _worker = _worker, outer
        worker.close()


def running() -> bool:
    return _worker is not None


def call(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in the worker (module-level function, picklable arguments and result)."""
    if _worker is None:
        raise RuntimeError("no validation worker is running")
    return _worker.call(function, *args)
