"""Paths and environment settings shared by the code location and the CLI."""

from __future__ import annotations

import gc
import os
from datetime import date
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "sql"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
POLICIES_DIR = Path(__file__).resolve().parent / "policies"

WAREHOUSE_URL_ENV = "COCKPIT_WAREHOUSE_URL"
DEFAULT_PARTITION_START = "2026-01-01"

# The cycle collector's young-generation threshold in `cockpit backfill` and its validation worker
# (Python's default: 700 allocations). Dagster's events and Polars' results allocate many short-lived
# containers: at 700, a ten-day backfill ran ~730 collections, 0.7 s of its main thread; at this, ten.
# Other commands keep Python's defaults: `cockpit bench` measures the asset and the pandas baseline as a
# Dagster run worker and a plain script run them.
GC_YOUNG_THRESHOLD = 50_000


def collect_less() -> None:
    """After the imports (done with the collector disabled: they build objects that live as long as the
    process): leave what exists now out of every later collection, collect the young generation at
    GC_YOUNG_THRESHOLD allocations, and enable the collector."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
    gc.enable()


def cockpit_home() -> Path:
    """Local state folder (embedded database, Dagster home, archives): `COCKPIT_HOME` or `.cockpit/`."""
    return Path(os.environ.get("COCKPIT_HOME", REPO_ROOT / ".cockpit")).resolve()


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME", cockpit_home() / "dagster_home")).resolve()


def archive_url() -> str:
    return os.environ.get("COCKPIT_ARCHIVE_URL", str(cockpit_home() / "archive"))


def landing_dir() -> Path:
    return Path(os.environ.get("COCKPIT_LANDING_DIR", cockpit_home() / "landing")).resolve()


def partition_start() -> date:
    """First day of the daily partitions (`COCKPIT_PARTITION_START`, YYYY-MM-DD)."""
    return date.fromisoformat(os.environ.get("COCKPIT_PARTITION_START", DEFAULT_PARTITION_START))


def read_yaml(path: Path) -> Any:
    """A YAML file's data, parsed by libyaml when PyYAML has it (much faster: the contracts are read at
    every start of the code location)."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
