"""The Dagster instance the commands and `dagster dev` share."""

from __future__ import annotations

import os
from pathlib import Path

from cockpit_pipelines.settings import CLONE_ROOT, dagster_home


def ensure_dagster_home() -> Path:
    """Point DAGSTER_HOME at `dagster_home` under the cockpit home (unless set) and, in a clone, record it
    in `.env`, which `dagster dev` reads there, so the UI sees the runs the CLI starts. A DAGSTER_HOME set in the
    environment is not recorded: whoever set it (a shell, a test) sets it for `dagster dev` too."""
    explicit = "DAGSTER_HOME" in os.environ
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    instance_file = home / "dagster.yaml"
    if not instance_file.exists():  # local default: SQLite storage under the home; see deploy/dagster.yaml
        instance_file.write_text("# local instance written by cockpit (see deploy/dagster.yaml for production)\n"
                                 "telemetry:\n  enabled: false\n")
    os.environ.setdefault("DAGSTER_HOME", str(home))
    if explicit or CLONE_ROOT is None:
        return home
    env_file = CLONE_ROOT / ".env"
    line = f"DAGSTER_HOME={home}\n"
    if not env_file.exists():
        env_file.write_text("# written by cockpit: the Dagster instance shared by the CLI and `dagster dev`\n" + line)
    return home
