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


def ensure_dagster_home() -> Path:
    """Point DAGSTER_HOME at `dagster_home` under the cockpit home (unless set) and, in a clone, record it
    in `.env`, which `dagster dev` reads there, so the UI sees the runs the CLI starts. A DAGSTER_HOME set in the
    environment is not recorded: whoever set it (a shell, a test) sets it for `dagster dev` too."""
    explicit = "DAGSTER_HOME" in os.environ
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    instance_file = home / "dagster.yaml"
    if not instance_file.exists():  # local default: SQLite storage under the home; see deploy/dagster.yaml
        instance_file.write_text(LOCAL_INSTANCE)
    os.environ.setdefault("DAGSTER_HOME", str(home))
    if explicit or CLONE_ROOT is None:
        return home
    env_file = CLONE_ROOT / ".env"
    line = f"DAGSTER_HOME={home}\n"
    if not env_file.exists():
        env_file.write_text("# written by cockpit: the Dagster instance shared by the CLI and `dagster dev`\n" + line)
    return home


def configured_warehouse(detail: str = "") -> Engine:
    """The configured warehouse (COCKPIT_WAREHOUSE_URL, else the embedded server), named on stderr with what
    the command works on beside it (`detail`)."""
    from cockpit_pipelines.engines import engine_for

    engine = engine_for(None)
    print(f"warehouse: {engine.describe()} ({engine.name}){'; ' + detail if detail else ''}", file=sys.stderr)
    return engine
