"""The README's commands, run as a new user runs them: on a fresh clone, by their path, with no virtual
environment activated and a PATH of /usr/bin:/bin only.

The first command (set up and `cockpit demo`) runs as written. The second (`.venv/bin/pytest`) is this
suite itself, which `.ci/run` runs in full on a fresh clone: here it runs as written over one test
module, so that the clone's own venv resolves it and finds the machine's databases. Then the UI
(`cockpit ui`, until it answers on its port), `cockpit ingest`, `cockpit migrate status` and
`cockpit db stop`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from new_user import free_port, new_user_env, serves_ui, sh

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
PYTEST_MODULE = "tests/sql/test_schema.py"

pytestmark = pytest.mark.slow


def readme_block(heading: str) -> list[str]:
    """The command lines (comments dropped) of the first ```bash block under `## heading`."""
    section = README.split(f"## {heading}\n", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, f"README: no bash block under '## {heading}'"
    return [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh clone of this repository's HEAD, its embedded server stopped at the end."""
    root = tmp_path_factory.mktemp("readme") / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(root)], check=True)
    yield root
    cockpit = root / ".venv" / "bin" / "cockpit"
    if cockpit.exists():
        subprocess.run([str(cockpit), "db", "stop"], cwd=root, env=new_user_env(root), capture_output=True)


@pytest.fixture(scope="module")
def set_up(clone: Path) -> Path:
    """The README's first command, as written: set up and run `cockpit demo` on the embedded default."""
    first, second = readme_block("The two commands")
    assert ".venv/bin/cockpit demo" in first and first.startswith("python3 -m venv .venv")
    assert second == ".venv/bin/pytest"
    # `python3` is whichever Python the user has: this suite's own interpreter stands for it.
    sh(first.replace("python3 ", f"{sys.executable} ", 1), clone, new_user_env(clone), timeout=1800)
    assert (clone / ".cockpit" / "pgdata").is_dir(), "the demo ran on the embedded default under .cockpit/"
    return clone


def test_the_test_command_runs_from_the_clone(set_up: Path) -> None:
    _, second = readme_block("The two commands")
    out = sh(f"{second} -q -p no:cacheprovider {PYTEST_MODULE}", set_up, new_user_env(set_up)).stdout
    assert re.search(r"\d+ passed", out), out[-2000:]


def test_cockpit_ui_answers_on_its_port(set_up: Path) -> None:
    ui = next(line for line in readme_block("The UI") if "cockpit ui" in line)
    assert ui == ".venv/bin/cockpit ui"
    # A `.env` left pointing at a home that is gone (a benchmark's, say) is corrected, not followed.
    env_file = set_up / ".env"
    kept = env_file.read_text()
    env_file.write_text("KEPT_BY_THE_USER=1\nDAGSTER_HOME=/nonexistent/dagster_home\n")
    port = free_port()
    try:
        output = serves_ui(["/bin/bash", "-c", f"exec {ui} --port {port}"], port, set_up, new_user_env(set_up))
        assert "FileNotFoundError" not in output, output[-3000:]
        assert env_file.read_text() == f"KEPT_BY_THE_USER=1\nDAGSTER_HOME={set_up / '.cockpit' / 'dagster_home'}\n"
    finally:
        env_file.write_text(kept)


def test_ingest_migrate_status_and_db_stop(set_up: Path, tmp_path: Path) -> None:
    for command in ("cockpit ingest", "cockpit migrate status", "cockpit db"):
        assert command in README, f"README no longer documents `{command}`"
    env = new_user_env(set_up)
    landing = tmp_path / "landing"
    sh(f".venv/bin/cockpit generate --start 2026-01-02 --days 1 --scale 0.02 --to-landing {landing}", set_up, env)
    out = sh(f".venv/bin/cockpit ingest {landing}", set_up, env).stdout
    assert re.search(r"\d+ file\(s\): [\d,]+ rows loaded", out) and " 0 failed" in out, out
    sh(".venv/bin/cockpit ingest --help", set_up, env)
    status = sh(".venv/bin/cockpit migrate status", set_up, env).stdout
    assert "applied" in status and "pending" not in status, status
    stopped = sh(".venv/bin/cockpit db stop", set_up, env).stdout
    assert "embedded PostgreSQL stopped" in stopped
    assert "stopped" in sh(".venv/bin/cockpit db status", set_up, env).stdout
