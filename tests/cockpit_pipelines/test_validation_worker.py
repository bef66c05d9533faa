"""The validation worker of `cockpit backfill`: calls run in its process, their errors are raised in the caller."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cockpit_pipelines.settings import REPO_ROOT
from cockpit_pipelines.validation_worker import call, running, validation_worker


def test_calls_run_in_the_worker_and_their_errors_are_raised_here() -> None:
    with validation_worker():
        assert running()
        worker = call(os.getpid)
        assert worker != os.getpid()
        with pytest.raises(ValueError, match="bad rule"):
            call(int, "bad rule")
        assert call(os.getpid) == worker, "the same worker serves the calls after an error"
    assert not running()
    with pytest.raises(RuntimeError, match="no validation worker"):
        call(os.getpid)


def test_the_worker_validates_without_importing_dagster() -> None:
    """What the worker imports to validate a suite (GX aside) leaves Dagster out: its import would take
    the worker a second longer to be ready, and a core from the command starting beside it."""
    code = "import sys, cockpit_pipelines.suites; assert 'dagster' not in sys.modules, 'dagster imported'"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
