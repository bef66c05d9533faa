"""Raw tables as external assets: lineage starts at them; a sensor observes their row counts and newest rows."""

import json
from datetime import UTC, datetime

import dagster as dg

from cockpit_pipelines.assets.common import table_schema
from cockpit_pipelines.assets.schema import schema_key
from cockpit_pipelines.contracts import Table, contracts
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.freshness import freshness_policy
from cockpit_pipelines.resources import WarehouseResource

GROUP = "raw"


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def raw_spec(table: Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=raw_key(table.name),
        deps=[schema_key(table.domain)],
        description=table.description or f"Raw table {table.name} (seed {table.seed}).",
        group_name=GROUP,
        kinds={"sql", "table"},
        owners=["team:data-platform"],
        tags={"domain": table.domain},
        metadata={
            "dagster/table_name": table.name,
            "dagster/column_schema": table_schema(table),
            "time_column": table.time_column or "",
            "seed": table.seed,
        },
        freshness_policy=freshness_policy(raw_key(table.name), GROUP),
    )


raw_specs = [raw_spec(t) for t in contracts().tables_of_kind("raw")]


def raw_table_stats(engine: Engine) -> dict[str, tuple[int, datetime | None]]:
    """Row count and newest value of the time column, per raw table (tables not created yet are skipped)."""
    live = engine.catalog_columns()
    quote = '"' if engine.family == "postgresql" else "`"
    stats: dict[str, tuple[int, datetime | None]] = {}
    for table in contracts().tables_of_kind("raw"):
        if table.name not in live:
            continue
        newest = f"max({quote}{table.time_column}{quote})" if table.time_column else "NULL"
        rows, latest = engine.query(f"SELECT count(*), {newest} FROM {table.name}")[0]
        if isinstance(latest, datetime) and latest.tzinfo is None:
            latest = latest.replace(tzinfo=UTC)
        stats[table.name] = (int(rows), latest)
    return stats


def raw_observations(stats: dict[str, tuple[int, datetime | None]]) -> list[dg.AssetObservation]:
    """One observation per raw table: its row count (`dagster/row_count`) and newest timestamp."""
    observations = []
    for name, (rows, newest) in stats.items():
        metadata: dict[str, dg.RawMetadataValue] = {"dagster/row_count": rows}
        if newest is not None:
            metadata["newest_timestamp"] = dg.MetadataValue.timestamp(newest)
        observations.append(dg.AssetObservation(asset_key=raw_key(name), metadata=metadata))
    return observations


@dg.sensor(
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every 10 minutes: each raw table's row count and newest timestamp, reported as an "
    "observation of its raw asset when they changed.",
)
def raw_tables_observation_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource
                                  ) -> dg.SensorResult:
    """Cursor: {table: [rows, newest ISO]} as last reported."""
    previous = json.loads(context.cursor) if context.cursor else {}
    stats = raw_table_stats(warehouse.engine)
    current = {name: [rows, newest.isoformat() if newest else None] for name, (rows, newest) in stats.items()}
    changed = {name: stats[name] for name, value in current.items() if previous.get(name) != value}
    return dg.SensorResult(
        asset_events=raw_observations(changed),
        cursor=json.dumps(current, sort_keys=True),
        skip_reason=None if changed else "no raw table changed",
    )
