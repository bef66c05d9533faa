"""What the commands share: the Dagster instance (with `dagster dev`), and the warehouse they name."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit_pipelines.settings import CLONE_ROOT, dagster_home

if TYPE_CHECKING:
    from cockpit_pipelines.engines import Engine

# The instance file of a new Dagster home: SQLite storage under it; the freshness daemon of `dagster dev`
# evaluates the assets' freshness policies (policies/freshness.yaml), as in production (deploy/dagster.yaml).
LOCAL_INSTANCE = """\
# local instance written by cockpit (see deploy/dagster.yaml for production)
freshness:
  enabled: true
telemetry:
  enabled: false
"""


ENV_FILE_HEADER = "# written by cockpit: the Dagster instance shared by the CLI and `dagster dev`\n"


def ensure_dagster_home() -> Path:
    """Point DAGSTER_HOME at `dagster_home` under the cockpit home (unless set). In a clone whose own home is
    in use (neither DAGSTER_HOME nor COCKPIT_HOME set), record it in the clone's `.env`, which a `dagster dev`
    started there reads, so that the UI shows the runs the commands start. A home set in the environment is
    not recorded: a test's or a benchmark's temporary home must not outlive it there."""
    explicit = "DAGSTER_HOME" in os.environ or "COCKPIT_HOME" in os.environ
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    instance_file = home / "dagster.yaml"
    if not instance_file.exists():  # local default: SQLite storage under the home; see deploy/dagster.yaml
        instance_file.write_text(LOCAL_INSTANCE)
    os.environ.setdefault("DAGSTER_HOME", str(home))
    if not explicit and CLONE_ROOT is not None:
        record_dagster_home(CLONE_ROOT / ".env", home)
    return home


def record_dagster_home(env_file: Path, home: Path) -> None:
    """Make `env_file` set DAGSTER_HOME to `home` (replacing the line it had), keeping its other lines."""
    lines = env_file.read_text().splitlines() if env_file.exists() else [ENV_FILE_HEADER.rstrip("\n")]
    line = f"DAGSTER_HOME={home}"
    if line in lines:
        return
    kept = [text for text in lines if not text.startswith("DAGSTER_HOME=")]
    env_file.write_text("\n".join([*kept, line]) + "\n")


def configured_warehouse(detail: str = "", *, migrated: bool = True) -> Engine:
    """The configured warehouse (COCKPIT_WAREHOUSE_URL, else the embedded server), named on stderr with what
    the command works on beside it (`detail`); with `migrated`, one whose migrations are all applied."""
    from cockpit_pipelines.engines import engine_for

    engine = engine_for(None)
    print(f"warehouse: {engine.describe()} ({engine.name}){'; ' + detail if detail else ''}", file=sys.stderr)
    if migrated:
        require_migrated(engine)
    return engine


def require_migrated(engine: Engine) -> None:
    """A MigrationError telling to run `cockpit migrate` when the warehouse has pending migrations (a new
    database, or a release that brought new ones): the commands read and write its tables."""
    from cockpit_pipelines.migrations import MigrationError, pending_reason

    reason = pending_reason(engine)
    if reason:
        raise MigrationError(f"{reason}: run `cockpit migrate` first")
