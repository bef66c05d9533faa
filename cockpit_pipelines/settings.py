"""Paths and environment settings shared by the code location and the CLI."""

from __future__ import annotations

import os
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class MissingPackageData(RuntimeError):
    """A folder or file the package ships (migrations, contracts, suites, policies) is not there."""


def _clone_root() -> Path | None:
    """The clone the code runs from (the folder holding this project's pyproject.toml), or None when the
    package is installed."""
    root = Path(__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    return root if pyproject.is_file() and 'name = "cockpit-pipelines"' in pyproject.read_text() else None


def package_folder(name: str) -> Path:
    """A data folder shipped inside the package (`sql`, `expectations`, `policies`), found through
    importlib.resources; in a clone, `cockpit_pipelines/sql` and `…/expectations` link to the top-level
    folders of the layout. Whoever reads it goes through `package_files`, which fails when it is empty."""
    return Path(str(resources.files("cockpit_pipelines") / name))


def package_files(folder: Path, pattern: str, what: str) -> list[Path]:
    """The files of `folder` matching `pattern`, sorted; raises naming `what` when there are none, so that
    no command ever reports success over an empty set."""
    found = sorted(folder.glob(pattern))
    if not found:
        raise MissingPackageData(f"no {what} found: {folder} has no {pattern} files (an installed package "
                                 "carries them in its wheel; a clone in its top-level folders)")
    return found


CLONE_ROOT = _clone_root()
SQL_DIR = package_folder("sql")
EXPECTATIONS_DIR = package_folder("expectations")
POLICIES_DIR = package_folder("policies")

WAREHOUSE_URL_ENV = "COCKPIT_WAREHOUSE_URL"
BACKUP_URL_ENV = "COCKPIT_BACKUP_URL"
DEFAULT_PARTITION_START = "2026-01-01"
DAYS_PER_RUN_ENV = "COCKPIT_DAYS_PER_RUN"


def cockpit_home() -> Path:
    """Local state folder (embedded database, Dagster home, archives): `COCKPIT_HOME`; else `.cockpit/` of
    the clone the code runs from; else, installed, `~/.cockpit` (never inside site-packages)."""
    default = CLONE_ROOT / ".cockpit" if CLONE_ROOT else Path.home() / ".cockpit"
    return Path(os.environ.get("COCKPIT_HOME", default)).resolve()


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME", cockpit_home() / "dagster_home")).resolve()


def archive_url() -> str:
    return os.environ.get("COCKPIT_ARCHIVE_URL", str(cockpit_home() / "archive"))


def backup_url() -> str:
    """Where warehouse backups go: `COCKPIT_BACKUP_URL` (a folder or file:// URL), else `<cockpit home>/backups`."""
    return os.environ.get(BACKUP_URL_ENV, str(cockpit_home() / "backups"))


def landing_dir() -> Path:
    return Path(os.environ.get("COCKPIT_LANDING_DIR", cockpit_home() / "landing")).resolve()


def partition_start() -> date:
    """First day of the daily partitions (`COCKPIT_PARTITION_START`, YYYY-MM-DD)."""
    return date.fromisoformat(os.environ.get("COCKPIT_PARTITION_START", DEFAULT_PARTITION_START))


def days_per_run() -> int | None:
    """Days of a daily asset's backfill per run (`COCKPIT_DAYS_PER_RUN`, a positive integer); None when
    unset: a backfill is then one run whatever its length."""
    value = os.environ.get(DAYS_PER_RUN_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{DAYS_PER_RUN_ENV} must be a positive number of days, not {value!r}")
    return int(value)


def read_yaml(path: Path) -> Any:
    """A YAML file's data, parsed by libyaml when PyYAML has it (the contracts are read at every start of
    the code location)."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
