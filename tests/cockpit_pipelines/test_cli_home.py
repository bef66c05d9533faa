"""The Dagster home the commands share with `dagster dev`, and the clone's `.env` that records it."""

from __future__ import annotations

from pathlib import Path

from cockpit_pipelines.cli.home import ENV_FILE_HEADER, ensure_dagster_home, record_dagster_home
from cockpit_pipelines.settings import CLONE_ROOT


def test_a_new_env_file_names_the_home(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    record_dagster_home(env_file, tmp_path / "home")
    assert env_file.read_text() == f"{ENV_FILE_HEADER}DAGSTER_HOME={tmp_path / 'home'}\n"


def test_a_stale_home_is_replaced_and_the_users_lines_are_kept(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# mine\nWAREHOUSE_PASSWORD=x\nDAGSTER_HOME=/gone\nOTHER=y")
    record_dagster_home(env_file, tmp_path / "home")
    assert env_file.read_text() == f"# mine\nWAREHOUSE_PASSWORD=x\nOTHER=y\nDAGSTER_HOME={tmp_path / 'home'}\n"
    written = env_file.stat().st_mtime_ns
    record_dagster_home(env_file, tmp_path / "home")
    assert env_file.stat().st_mtime_ns == written  # already right: not rewritten


def test_a_home_set_in_the_environment_is_not_recorded_in_the_clone() -> None:
    """The tests run with COCKPIT_HOME set (conftest): the clone's `.env` is left as it was."""
    env_file = CLONE_ROOT / ".env" if CLONE_ROOT else None
    before = env_file.read_text() if env_file and env_file.exists() else None
    home = ensure_dagster_home()
    assert home.is_dir() and (home / "dagster.yaml").is_file()
    assert (env_file.read_text() if env_file and env_file.exists() else None) == before
