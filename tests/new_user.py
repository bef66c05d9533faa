"""Commands run as a new user runs them: by their path, with no virtual environment activated, a PATH of
/usr/bin:/bin only and no cockpit settings; and `dagster dev` / `cockpit ui` until they answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

REDUCED_PATH = "/usr/bin:/bin"


def new_user_env(home: Path, **extra: str) -> dict[str, str]:
    """A shell's environment with no venv activated, a reduced PATH, and no cockpit or Dagster settings."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("COCKPIT_", "DAGSTER_", "VIRTUAL_ENV", "PYTHON")) and key != "PATH"}
    env.update(PATH=REDUCED_PATH, HOME=os.environ.get("HOME", str(home)))
    env.update(extra)
    return env


def sh(command: str, cwd: Path, env: dict[str, str], timeout: float = 900,
       expect: int = 0) -> subprocess.CompletedProcess[str]:
    """`command` through bash; asserts its exit status (0 unless `expect` says otherwise)."""
    result = subprocess.run(["/bin/bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    assert result.returncode == expect, f"`{command}` exited {result.returncode}:\n{result.stdout[-3000:]}\n" \
                                        f"{result.stderr[-3000:]}"
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serves_ui(argv: Sequence[str], port: int, cwd: Path, env: dict[str, str], timeout: float = 180) -> str:
    """Start a webserver command in its own session, wait until `/server_info` answers on `port`, stop
    the whole process group; returns its output. Fails when it never answers."""
    process = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    answer = None
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as response:
                    answer = response.status
                    break
            except OSError:
                time.sleep(1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    assert answer == 200, f"{' '.join(argv)} did not answer on {port} (exit {process.poll()}):\n{output[-3000:]}"
    return output
