"""The usage_hourly rollup three ways, on the same rows of the same database:

- `asset_rollup`: the project's asset (`cockpit_pipelines.assets.usage.usage_hourly_asset`) materialized by Dagster in
  process — read (ADBC / connectorx), Polars compute, write (COPY / LOAD DATA), ledger and lock,
  exactly as `cockpit backfill` runs it (a window of several days is one single-run backfill);
- `database_rollup`: the seed's definition, `sql/analytics/<engine>/usage_hourly.sql`, run by the
  database itself as `DELETE` + `INSERT … SELECT` into a scratch copy of usage_hourly, in one
  transaction (what the asset's replacement of a window does);
- `pandas_rollup`: the naive baseline, `pandas.read_sql` through SQLAlchemy, a pandas group_by and
  `DataFrame.to_sql` into another scratch copy.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from cockpit_pipelines.assets.usage import HOURLY_KEYS, USAGE_EVENT_COLUMNS, USAGE_HOURLY_COLUMNS, usage_hourly_asset
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.engines.sqltext import to_pyformat
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import SQL_DIR
from cockpit_pipelines.windows import Window

DATABASE_TABLE = "bench_usage_hourly_sql"
PANDAS_TABLE = "bench_usage_hourly_pandas"
COUNTS = [c for c, t in USAGE_HOURLY_COLUMNS.items() if c not in HOURLY_KEYS and t.is_integer()]
FLOATS = [c for c, t in USAGE_HOURLY_COLUMNS.items() if t.is_float()]
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def scratch_tables(engine: Engine) -> None:
    """Empty copies of usage_hourly (same columns, keys and indexes) for the database and pandas builds."""
    for table in (DATABASE_TABLE, PANDAS_TABLE):
        engine.execute(f"DROP TABLE IF EXISTS {table}")
        like = "(LIKE usage_hourly INCLUDING ALL)" if engine.family == "postgresql" else "LIKE usage_hourly"
        engine.execute(f"CREATE TABLE {table} {like}")


def asset_rollup(url: str, first: date, last: date, instance: dg.DagsterInstance | None = None) -> float:
    """Seconds of one Dagster run of the usage_hourly asset over first..last (one single run)."""
    warehouse = WarehouseResource(url=url)
    started = time.perf_counter()
    if first == last:
        result = dg.materialize([usage_hourly_asset], resources={"warehouse": warehouse},
                                partition_key=first.isoformat(), instance=instance, run_config=QUIET)
    else:
        tags = {ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()}
        result = dg.materialize([usage_hourly_asset], resources={"warehouse": warehouse}, tags=tags,
                                instance=instance, run_config=QUIET)
    seconds = time.perf_counter() - started
    if not result.success:
        raise RuntimeError(f"usage_hourly {first}..{last} failed on {warehouse.engine.describe()}")
    return seconds


def database_rollup(engine: Engine, first: date, last: date) -> float:
    """Seconds of the database's own DELETE + INSERT … SELECT of the seed's definition, one transaction."""
    window = Window.of_days(first, last)
    definition = (SQL_DIR / "analytics" / engine.family / "usage_hourly.sql").read_text()
    columns = ", ".join(USAGE_HOURLY_COLUMNS)
    params = window.params()
    started = time.perf_counter()
    with engine.transaction() as conn:
        cur = conn.cursor()
        cur.execute(to_pyformat(f"DELETE FROM {DATABASE_TABLE} WHERE bucket >= :start AND bucket < :end", params),
                    params)
        cur.execute(to_pyformat(f"INSERT INTO {DATABASE_TABLE} ({columns})\n{definition}", params), params)
    return time.perf_counter() - started


def pandas_rollup(engine: Engine, first: date, last: date) -> float:
    """Seconds of the naive baseline: pandas.read_sql via SQLAlchemy, pandas group_by, to_sql."""
    import pandas as pd
    import sqlalchemy as sa

    window = Window.of_days(first, last)
    session = ({"options": "-c TimeZone=UTC"} if engine.family == "postgresql"
               else {"init_command": "SET time_zone = '+00:00'"})
    db = sa.create_engine(engine.url, connect_args=session)
    dtypes: dict[str, Any] = {}
    if engine.family == "postgresql":
        from sqlalchemy.dialects.postgresql import UUID

        dtypes = {"org_id": UUID(as_uuid=True), "project_id": UUID(as_uuid=True)}
    query = sa.text(f"SELECT {', '.join(USAGE_EVENT_COLUMNS)} FROM usage_events WHERE time >= :start AND time < :end")
    try:
        started = time.perf_counter()
        with db.begin() as conn:
            events = pd.read_sql(query, conn, params=window.params())
            events["bucket"] = pd.to_datetime(events["time"], utc=True).dt.floor("h")
            events["success"] = events["status"] == "success"
            events["error"] = events["status"] == "error"
            groups = events.groupby(HOURLY_KEYS, sort=True)
            out = groups.agg(
                request_count=("time", "size"),
                success_count=("success", "sum"),
                error_count=("error", "sum"),
                total_input_tokens=("input_tokens", "sum"),
                total_output_tokens=("output_tokens", "sum"),
                total_cache_read_tokens=("cache_read_tokens", "sum"),
                total_cost_cents=("cost_cents", "sum"),
                avg_latency_ms=("latency_ms", "mean"),
                unique_users=("user_id", "nunique"),
            )
            quantiles = groups["latency_ms"].quantile([0.5, 0.95, 0.99]).unstack()
            out["p50_latency_ms"], out["p95_latency_ms"], out["p99_latency_ms"] = (
                quantiles[0.5], quantiles[0.95], quantiles[0.99])
            out = out.reset_index()[list(USAGE_HOURLY_COLUMNS)]
            if engine.family == "mysql":
                out["bucket"] = out["bucket"].dt.tz_localize(None)
            conn.execute(sa.text(f"DELETE FROM {PANDAS_TABLE} WHERE bucket >= :start AND bucket < :end"),
                         window.params())
            out.to_sql(PANDAS_TABLE, conn, if_exists="append", index=False, dtype=dtypes)
        return time.perf_counter() - started
    finally:
        db.dispose()


def same_rows(engine: Engine, first: date, last: date, table: str = DATABASE_TABLE) -> dict[str, int | bool]:
    """Whether usage_hourly (the asset's rows) equals `table` over the window: the same keys, equal counts
    and sums, and latencies equal within 1e-9 relative (double precision, summed in another order)."""
    window = Window.of_days(first, last)
    keys = " AND ".join(f"a.{k} = b.{k}" for k in HOURLY_KEYS)
    counts = " AND ".join(f"a.{c} = b.{c}" for c in COUNTS)
    floats = " AND ".join(
        f"(a.{c} IS NULL) = (b.{c} IS NULL) AND COALESCE(ABS(a.{c} - b.{c}), 0) <= 1e-9 * (1 + ABS(COALESCE(b.{c}, 0)))"
        for c in FLOATS)
    where = "a.bucket >= :start AND a.bucket < :end"
    asset_rows = engine.scalar("SELECT COUNT(*) FROM usage_hourly WHERE bucket >= :start AND bucket < :end",
                               window.params())
    other_rows = engine.scalar(f"SELECT COUNT(*) FROM {table} WHERE bucket >= :start AND bucket < :end",
                               window.params())
    matching = engine.scalar(
        f"SELECT COUNT(*) FROM usage_hourly a JOIN {table} b ON {keys} WHERE {where} AND {counts} AND {floats}",
        window.params())
    return {"asset_rows": int(asset_rows), "other_rows": int(other_rows), "matching": int(matching),
            "identical": int(asset_rows) == int(other_rows) == int(matching)}
