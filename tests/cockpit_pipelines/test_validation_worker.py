"""The validation worker of `cockpit backfill`: calls run in its process, their errors are raised in the caller."""

from __future__ import annotations

import os

import pytest

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
