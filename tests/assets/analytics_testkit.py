"""Helpers of the analytics tests: raw rows into a real warehouse, runs of the assets, and comparisons
of the Polars results with the independent SQL definitions in sql/analytics/<engine>/<table>.sql."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import dagster as dg
import numpy as np
import polars as pl
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import SQL_DIR
from cockpit_pipelines.windows import Window


def uuids(rng: np.random.Generator, n: int) -> list[str]:
    return [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]


def insert(warehouse: WarehouseResource, table: str, frame: pl.DataFrame) -> None:
    engine = warehouse.engine
    with engine.transaction() as conn:
        engine.insert_frame(conn, table, frame)


def add_users(warehouse: WarehouseResource, ids: Sequence[str]) -> None:
    """users rows for foreign keys (ai_dialogue_log.user_id → users.id)."""
    now = datetime(2026, 1, 1)
    insert(warehouse, "users", pl.DataFrame({
        "id": list(ids),
        "email": [f"user{i}@example.test" for i in range(len(ids))],
        "name": [f"User {i}" for i in range(len(ids))],
        "created_at": [now] * len(ids),
        "updated_at": [now] * len(ids),
    }))


def sql_definition(warehouse: WarehouseResource, table: str, window: Window, **params: Any) -> pl.DataFrame:
    """The table's rows for the window, computed by the database from its SQL definition."""
    path = SQL_DIR / "analytics" / warehouse.engine_family() / f"{table}.sql"
    return warehouse.read_frame(path.read_text(), {**window.params(), **params})


def stored_rows(warehouse: WarehouseResource, table: str, columns: Iterable[str], where: str = "1 = 1",
                params: dict[str, Any] | None = None) -> pl.DataFrame:
    return warehouse.read_frame(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", params)


def materialize(
    assets: Sequence[dg.AssetsDefinition],
    warehouse: WarehouseResource,
    first: date,
    last: date,
    run_config: dict[str, Any] | None = None,
) -> dg.ExecuteInProcessResult:
    """One single-run backfill of `assets` over the days first..last (inclusive), as `cockpit backfill` runs it."""
    tags = {ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()}
    if first == last:
        return dg.materialize(assets, resources={"warehouse": warehouse}, partition_key=first.isoformat(),
                              run_config=run_config)
    return dg.materialize(assets, resources={"warehouse": warehouse}, tags=tags, run_config=run_config)


def metadata_of(result: dg.ExecuteInProcessResult, table: str) -> dict[str, Any]:
    """The metadata of the run's materialization of `table` (a range run records it once per partition)."""
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(table)]
    assert events, f"{table} was not materialized"
    return {k: v.value for k, v in events[0].step_materialization_data.materialization.metadata.items()}


def _canonical_json(value: Any) -> Any:
    """JSON with numbers as Decimal and booleans kept apart from 0/1 (True == 1 in Python)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dict):
        return {k: _canonical_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical_json(v) for v in value]
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def parse_json(text: str | None) -> Any:
    return None if text is None else _canonical_json(json.loads(text, parse_float=Decimal))


def _sort_key(row: dict[str, Any], keys: Sequence[str]) -> tuple:
    return tuple((row[k] is None, str(row[k])) for k in keys)


def assert_same_rows(
    actual: pl.DataFrame,
    expected: pl.DataFrame,
    keys: Sequence[str],
    *,
    float_columns: Sequence[str] = (),
    json_columns: Sequence[str] = (),
    rel: float = 1e-12,
    abs_: float = 1e-9,
) -> None:
    """Same rows (matched on `keys`), same values: exact for integers, decimals, text, dates and JSON
    (parsed); within rel/abs tolerance for double precision columns."""
    assert sorted(actual.columns) == sorted(expected.columns), (actual.columns, expected.columns)
    got = sorted(actual.to_dicts(), key=lambda r: _sort_key(r, keys))
    want = sorted(expected.select(actual.columns).to_dicts(), key=lambda r: _sort_key(r, keys))
    assert len(got) == len(want), f"{len(got)} rows, expected {len(want)}"
    for row, ref in zip(got, want, strict=True):
        where = {k: row[k] for k in keys}
        for column, value in row.items():
            other = ref[column]
            if column in json_columns:
                value, other = parse_json(value), parse_json(other)
            if column in float_columns and value is not None and other is not None:
                assert math.isclose(value, other, rel_tol=rel, abs_tol=abs_), (where, column, value, other)
            else:
                assert value == other, (where, column, value, other)
