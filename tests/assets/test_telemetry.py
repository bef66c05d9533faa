"""metrics_hourly: the Polars transform on hand-made frames, then the asset on PostgreSQL and MariaDB against
the SQL definitions in sql/analytics/<engine>/metrics_hourly.sql."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from analytics_testkit import assert_same_rows, insert, materialize, sql_definition, stored_rows, uuids

from cockpit_pipelines.assets.telemetry import (
    KEYS,
    METRICS_COLUMNS,
    METRICS_HOURLY_COLUMNS,
    SOURCE,
    compute_metrics_hourly,
    metrics_hourly_asset,
)
from cockpit_pipelines.builds import fingerprint
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.windows import Window

T0 = datetime(2026, 3, 1, 7, 5)


def five_minute(*rows: dict[str, Any]) -> pl.DataFrame:
    defaults = {"timestamp": T0, "asset_id": "gpt-4", "metric_type": "perf", "metric_name": "latency",
                "tenant_id": "t1", "value_avg": 1.0, "value_min": 0.5, "value_max": 2.0, "value_p95": 1.9,
                "value_p99": 1.99}
    return pl.DataFrame([{**defaults, **row} for row in rows], schema=METRICS_COLUMNS)


def test_hourly_rollup_of_five_minute_rows() -> None:
    frame = five_minute(
        {"value_avg": 1.0, "value_min": 0.25, "value_max": 3.0, "value_p95": 10.0, "value_p99": 20.0},
        {"value_avg": 2.0, "value_min": 0.5, "value_max": 9.0, "value_p95": 30.0, "value_p99": 40.0,
         "timestamp": T0 + timedelta(minutes=50)},
        {"value_avg": None, "value_min": None, "value_max": None, "value_p95": None, "value_p99": None},
        {"timestamp": T0 + timedelta(hours=1)},
        {"tenant_id": "t2"},
    )
    out = compute_metrics_hourly(frame)
    assert out.schema == pl.Schema(METRICS_HOURLY_COLUMNS)
    first = out.row(0, named=True)
    assert (first["bucket"], first["tenant_id"], first["count"]) == (datetime(2026, 3, 1, 7), "t1", 3)
    assert first["avg_value"] == 1.5 and first["min_value"] == 0.25 and first["max_value"] == 9.0
    assert first["p95_value"] == 10.0 + 0.95 * 20.0 and first["p99_value"] == 20.0 + 0.99 * 20.0
    assert out.height == 3 and sorted(out["count"].to_list()) == [1, 1, 3]


def test_hourly_rollup_of_one_value_and_of_no_values() -> None:
    (one,) = compute_metrics_hourly(five_minute({"value_p95": 4.0, "value_p99": 5.0})).to_dicts()
    assert (one["p95_value"], one["p99_value"]) == (4.0, 5.0)
    (none,) = compute_metrics_hourly(five_minute({"value_avg": None, "value_p95": None, "value_p99": None})).to_dicts()
    assert none["avg_value"] is None and none["p95_value"] is None and none["count"] == 1


# --- on the engines --------------------------------------------------------------------------------

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 3)


def _metrics(rng: np.random.Generator, n: int, start: datetime, span: timedelta, bucket: str) -> pl.DataFrame:
    def doubles(scale: float, null_share: float) -> list[float | None]:
        values = (rng.random(n) * scale).tolist()
        return [None if m else v for v, m in zip(values, rng.random(n) < null_share, strict=True)]

    assets = ["gpt-4", "claude-3", "phi-3"]
    names = ["latency", "tokens", "errors"]
    return pl.DataFrame({
        "id": uuids(rng, n),
        "timestamp": [start + timedelta(seconds=int(s)) for s in rng.integers(0, span // timedelta(seconds=1), n)],
        "time_bucket": [bucket] * n,
        "asset_id": [assets[i] for i in rng.integers(0, 3, n)],
        "metric_type": ["performance"] * n,
        "metric_name": [names[i] for i in rng.integers(0, 3, n)],
        "tenant_id": [f"tenant-{i}" for i in rng.integers(0, 2, n)],
        "value_count": rng.integers(1, 500, n).tolist(),
        "value_avg": doubles(800.0, 0.05),
        "value_min": doubles(10.0, 0.05),
        "value_max": doubles(5000.0, 0.05),
        "value_p95": doubles(3000.0, 0.1),
        "value_p99": doubles(4000.0, 0.1),
    })


def test_asset_equals_the_sql_definition(scratch_warehouse: WarehouseResource) -> None:
    warehouse = scratch_warehouse
    rng = np.random.default_rng(4)
    for frame in (_metrics(rng, 2500, datetime(2026, 3, 1), timedelta(days=3), "00:05:00"),
                  _metrics(rng, 300, datetime(2026, 3, 1), timedelta(days=3), "01:00:00"),  # not 5-minute rows
                  _metrics(rng, 300, datetime(2026, 3, 1), timedelta(days=3), "00:01:00"),
                  _metrics(rng, 10, datetime(2026, 3, 4), timedelta(minutes=1), "00:05:00")):  # after the window
        insert(warehouse, "metrics", frame)
    window = Window.of_days(FIRST, LAST)
    assert materialize([metrics_hourly_asset], warehouse, FIRST, LAST).success
    stored = stored_rows(warehouse, "metrics_hourly", METRICS_HOURLY_COLUMNS)
    expected = sql_definition(warehouse, "metrics_hourly", window, **SOURCE.params)
    assert_same_rows(stored, expected, KEYS, float_columns=["avg_value", "p95_value", "p99_value"])
    assert stored["count"].sum() == 2500

    builds = stored_rows(warehouse, "partition_builds", ["partition_date", "source_rows", "source_fingerprint"],
                         "asset_key = :key", {"key": "metrics_hourly"})
    stats_sql = SOURCE.stats_sql(warehouse.engine_family())
    by_sql = {d: (n, fingerprint(n, t)) for d, n, t in warehouse.query(stats_sql, {**window.params(), **SOURCE.params})}
    assert {r["partition_date"]: (r["source_rows"], r["source_fingerprint"]) for r in builds.to_dicts()} == by_sql
    assert sum(n for n, _ in by_sql.values()) == 2500
