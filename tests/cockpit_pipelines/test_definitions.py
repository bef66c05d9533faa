"""The code location loads, uses no deprecated Dagster API, and matches its reviewed snapshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from cockpit_pipelines.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def test_definitions_are_loadable() -> None:
    dg.Definitions.validate_loadable(defs)


def test_loading_emits_no_dagster_deprecation_or_beta_warnings() -> None:
    code = (
        "import warnings\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        "import dagster as dg\n"
        "warnings.simplefilter('error', dg.BetaWarning)\n"
        "warnings.simplefilter('error', dg.PreviewWarning)\n"
        "from cockpit_pipelines.definitions import defs\n"
        "dg.Definitions.validate_loadable(defs)\n"
        "defs.get_repository_def().get_all_jobs()\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def _freshness(policy: dg.FreshnessPolicy | None) -> str | None:
    """A freshness policy as the reviewer reads it: its deadline cron and lower bound, or its maximum age."""
    if policy is None:
        return None
    if hasattr(policy, "deadline_cron"):
        return f"by {policy.deadline_cron} ({policy.timezone}), materialized at most {policy.lower_bound_delta} before"
    warn = f", warn past {policy.warn_window.to_timedelta()}" if policy.warn_window else ""
    return f"at most {policy.fail_window.to_timedelta()} old{warn}"


def _snapshot() -> dict:
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "partitioned": node.partitions_def is not None,
            "materializable": node.is_materializable,
            "kinds": sorted(node.kinds),
            "checks": sorted(c.name for c in node.check_keys),
            "freshness": _freshness(node.freshness_policy),
        }
    return {
        "assets": assets,
        "jobs": sorted(j.name for j in repo.get_all_jobs() if not j.name.startswith("__")),
        "schedules": sorted(s.name for s in repo.schedule_defs),
        "sensors": sorted(s.name for s in repo.sensor_defs),
    }


def test_definitions_match_snapshot() -> None:
    """A reviewed picture of the asset graph; refresh with COCKPIT_UPDATE_SNAPSHOTS=1 after a deliberate change."""
    current = _snapshot()
    if os.environ.get("COCKPIT_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_schema_assets_follow_foreign_key_order() -> None:
    graph = defs.get_repository_def().asset_graph
    deps = {k.path[-1]: {p.path[-1] for p in graph.get(k).parent_keys}
            for k in graph.get_all_asset_keys() if k.path[0] == "schema"}
    assert "tenancy" in deps["core_configuration"]
    assert "tenancy" in deps["rag_provenance"]  # ai_dialogue_log.user_id -> users
    assert not deps["tenancy"]


def test_every_table_asset_shows_its_contract_columns() -> None:
    """Raw and analytics tables carry their contract's columns as `dagster/column_schema` (the UI's catalog)."""
    from cockpit_pipelines.contracts import contracts

    catalog = contracts()
    shown = {}
    for spec in defs.resolve_all_asset_specs():
        table = spec.metadata.get("dagster/table_name")
        if table in catalog.tables and spec.group_name in ("raw", "analytics"):
            shown[table] = [c.name for c in spec.metadata["dagster/column_schema"].columns]
    assert {"usage_hourly", "compliance_scores", "usage_events"} <= set(shown)
    assert all(columns == [c.name for c in catalog.table(t).columns] for t, columns in shown.items()), shown
