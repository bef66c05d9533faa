"""The embedded PostgreSQL started by the first use of the warehouse, from several threads at once."""

from __future__ import annotations

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
    finally:
        embedded.stop_embedded()
