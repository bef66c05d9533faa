"""Smoke test: the Dagster webserver loads the code location and lists its assets over GraphQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from new_user import free_port

from cockpit_pipelines.contracts import contracts

REPO = Path(__file__).resolve().parents[2]
QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
  assetNodes {
    assetKey { path } groupName hasAssetChecks isPartitioned dependencyKeys { path }
    metadataEntries { label }
  }
}
"""


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_webserver_lists_the_schema_raw_and_analytics_assets(tmp_path: Path) -> None:
    port = free_port()
    webserver = Path(sys.executable).parent / "dagster-webserver"
    log = (tmp_path / "webserver.log").open("w")
    process = subprocess.Popen(
        # Started outside the repo root, whose `.env` (written by the CLI) would point it at the
        # developer's instance instead of this test's DAGSTER_HOME.
        [str(webserver), "-w", str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        start_new_session=True,  # its own process group, so the whole tree stops with it
    )
    try:
        deadline = time.monotonic() + 180
        data = None
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"webserver exited: {(tmp_path / 'webserver.log').read_text()[-2000:]}")
            try:
                data = _graphql(port)["data"]
                entries = data["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["locationOrLoadError"]:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert data is not None, "webserver did not answer within 180 s"
        location = data["workspaceOrError"]["locationEntries"][0]
        assert location["name"] == "cockpit_pipelines"
        assert location["locationOrLoadError"]["__typename"] == "RepositoryLocation", location
        schema_assets = {tuple(n["assetKey"]["path"]) for n in data["assetNodes"] if n["groupName"] == "schema"}
        assert ("schema", "tenancy") in schema_assets
        assert ("schema", "derived") in schema_assets
        assert all(n["hasAssetChecks"] for n in data["assetNodes"] if n["groupName"] == "schema")
        assert all("dagster/column_schema" in {m["label"] for m in n["metadataEntries"]}
                   for n in data["assetNodes"] if n["groupName"] in ("schema", "raw"))
        nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
        analytics = {key for key, n in nodes.items() if n["groupName"] == "analytics"}
        assert analytics == {t.name for t in contracts().tables_of_kind("derived")}
        assert all(nodes[key]["isPartitioned"] and nodes[key]["hasAssetChecks"] for key in analytics)
        assert {"path": ["raw", "usage_events"]} in nodes["usage_hourly"]["dependencyKeys"]
        assert {"path": ["usage_daily"]} in nodes["usage_monthly"]["dependencyKeys"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
