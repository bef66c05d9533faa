"""`cockpit` ends without the interpreter's teardown (`exit_now`), yet as Python would: its status, the
threads it started joined, the exit handlers run and the output flushed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cockpit_pipelines.settings import REPO_ROOT

SCRIPT = """
import atexit, sys, threading, time
from pathlib import Path
from cockpit_pipelines.cli import exit_now

def late() -> None:
    time.sleep(0.3)
    Path(sys.argv[1]).write_text("joined")

threading.Thread(target=late).start()
atexit.register(lambda: print("exit handler ran"))
sys.stdout.write("buffered, no newline")
exit_now(3)
"""


def test_exit_now_keeps_the_status_joins_threads_runs_exit_handlers_and_flushes(tmp_path: Path) -> None:
    marker = tmp_path / "thread.txt"
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(marker)], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "buffered, no newlineexit handler ran\n", done.stdout
    assert marker.read_text() == "joined"


def test_the_console_script_and_python_m_exit_with_the_commands_status() -> None:
    done = subprocess.run([sys.executable, "-m", "cockpit_pipelines.cli", "backfill", "--start", "2026-02-01",
                           "--end", "2026-01-01"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--end is before --start" in done.stderr, done.stderr
