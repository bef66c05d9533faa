"""The embedded PostgreSQL started by the first use of the warehouse, from several threads at once."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from cockpit_pipelines.engines import embedded


def test_threads_that_first_use_a_stopped_server_start_it_once(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_HOME", str(tmp_path))
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            urls = set(pool.map(lambda _: embedded.ensure_embedded(), range(4)))
        assert len(urls) == 1 and embedded.is_running()
        socket_dir = urls.pop().split("host=", 1)[1]
        with psycopg.connect(f"host={socket_dir} user=postgres dbname={embedded.EMBEDDED_DATABASE}") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        _assert_status_is_quiet()
    finally:
        embedded.stop_embedded()


def _assert_status_is_quiet() -> None:
    """`cockpit db status` of a running server, where XDG_RUNTIME_DIR is unset (CI, containers): its line,
    and no warning from the embedded server's package."""
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    done = subprocess.run([sys.executable, "-m", "cockpit_pipelines.cli", "db", "status"], env=env,
                          capture_output=True, text=True, check=True)
    assert done.stdout.startswith("embedded PostgreSQL: running")
    assert done.stderr == ""
