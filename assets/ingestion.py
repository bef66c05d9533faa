"""The landing-zone load job: the "E" and "L" of the ELT, run by `landing_zone_sensor` per file.

No `from __future__ import annotations` here: Dagster reads the op's annotations at runtime.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field

from cockpit_pipelines.assets.raw import raw_key
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.landing import ingest_paths
from cockpit_pipelines.resources import WarehouseResource


class LandingLoadConfig(dg.Config):
    paths: list[str] = Field(description="Landing files to load, each under <landing dir>/<table>/.")


@dg.op(
    description="Check each landing file against its table's contract and load it exactly once: good rows, "
    "quarantined rows and the ledger update commit together.",
    tags={"kind": "landing"},
)
def load_landing_files(context: dg.OpExecutionContext, config: LandingLoadConfig,
                       warehouse: WarehouseResource) -> None:
    """Load the configured files; each loaded file is reported as a materialization of its raw table."""
    results = ingest_paths(warehouse.engine, [Path(p) for p in config.paths])
    for result in results:
        context.log.info(result.summary())
        if result.status != "loaded" or contracts().table(result.file.table).kind != "raw":
            continue
        context.log_event(dg.AssetMaterialization(
            asset_key=raw_key(result.file.table),
            description=f"Landing file {result.file.path.name}",
            metadata={
                "file": str(result.file.path),
                "sha256": result.file.checksum,
                "rows_in_file": result.rows_total,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "quarantine_rules": dg.MetadataValue.json(result.rules),
                "ignored_columns": dg.MetadataValue.json(result.unknown_columns),
            },
        ))
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise dg.Failure(
            description=f"{len(failed)} landing file(s) failed; nothing of them was loaded",
            metadata={"errors": dg.MetadataValue.md("\n".join(f"- {r.summary()}" for r in failed))},
        )


def landing_run_config(paths: list[str]) -> dict:
    """The run config of `landing_load_job` (jobs.py) for these files."""
    return {"ops": {"load_landing_files": {"config": {"paths": paths}}}}
