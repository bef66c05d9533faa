"""`cockpit` started with SIGINT and SIGTERM ignored (a script's background job, a parent that ran Dagster
in process) still lets the processes it starts be stopped by SIGTERM: Dagster's compute-log `tail -F`
processes inherit the disposition, and an ignored SIGTERM made every step wait 2 x 30 s for them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

SIGTERM_BIT = 1 << (15 - 1)

# Starts with both signals ignored, optionally answers them as the CLI does, runs a Dagster job on the
# main thread (Dagster then gives SIGTERM SIGINT's handler), and prints the ignored-signal mask of a child.
SCRIPT = """
import signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if sys.argv[1] == "answer":
    from cockpit_pipelines.cli import answer_stop_signals
    answer_stop_signals()
import dagster as dg

@dg.asset
def one() -> int:
    return 1

assert dg.materialize([one], instance=dg.DagsterInstance.ephemeral()).success
status = subprocess.run(["cat", "/proc/self/status"], capture_output=True, text=True, check=True).stdout
print(next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")))
"""


def child_ignored_mask(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, cwd=REPO_ROOT,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip().splitlines()[-1], 16)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read signal masks")
def test_children_of_the_cli_answer_sigterm_after_a_dagster_run() -> None:
    assert child_ignored_mask("plain") & SIGTERM_BIT, "without the CLI's handling the child ignores SIGTERM"
    assert not child_ignored_mask("answer") & SIGTERM_BIT
