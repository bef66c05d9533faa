"""usage_hourly, usage_daily, usage_monthly and token_usage_daily: the Polars transforms on hand-made frames,
then the assets on PostgreSQL and MariaDB against the SQL definitions in sql/analytics/<engine>/."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
from analytics_testkit import assert_same_rows, insert, materialize, metadata_of, sql_definition, stored_rows, uuids

from cockpit_pipelines.assets.usage import (
    DAILY_KEYS,
    HOURLY_KEYS,
    MONTHLY_KEYS,
    TOKEN_KEYS,
    TOKEN_SOURCE,
    TOKEN_USAGE_COLUMNS,
    TOKEN_USAGE_DAILY_COLUMNS,
    USAGE_DAILY_COLUMNS,
    USAGE_EVENT_COLUMNS,
    USAGE_HOURLY_COLUMNS,
    USAGE_MONTHLY_COLUMNS,
    USAGE_SOURCE,
    compute_token_usage_daily,
    compute_usage_daily,
    compute_usage_hourly,
    compute_usage_monthly,
    token_usage_daily_asset,
    usage_daily_asset,
    usage_hourly_asset,
    usage_monthly_asset,
)
from cockpit_pipelines.builds import fingerprint
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.windows import Window

T0 = datetime(2026, 3, 1, 10, 15)


def events(*rows: dict[str, Any]) -> pl.DataFrame:
    defaults = {"time": T0, "org_id": "o1", "project_id": "p1", "user_id": "u1", "model": "m", "status": "success",
                "input_tokens": 1, "output_tokens": 1, "cache_read_tokens": 0, "cost_cents": 1, "latency_ms": 10}
    schema = {**USAGE_EVENT_COLUMNS, **{c: pl.Int32 for c in ("input_tokens", "output_tokens", "cache_read_tokens",
                                                                 "cost_cents", "latency_ms")}}
    return pl.DataFrame([{**defaults, **row} for row in rows], schema=schema)


def test_hourly_counts_sums_and_distinct_users() -> None:
    frame = events(
        {"status": "success", "user_id": "a", "input_tokens": 2_000_000_000},
        {"status": "error", "user_id": "a", "input_tokens": 2_000_000_000},  # the Int32 sum would wrap
        {"status": "timeout", "user_id": None, "time": T0 + timedelta(minutes=44)},
        {"status": "success", "user_id": "b", "time": T0 + timedelta(hours=1)},
    )
    out = compute_usage_hourly(frame)
    assert out.schema == pl.Schema(USAGE_HOURLY_COLUMNS)
    first, second = out.to_dicts()
    assert first["bucket"] == datetime(2026, 3, 1, 10) and second["bucket"] == datetime(2026, 3, 1, 11)
    assert (first["request_count"], first["success_count"], first["error_count"]) == (3, 1, 1)
    assert first["total_input_tokens"] == 4_000_000_001
    assert first["unique_users"] == 1  # NULL is not a user
    assert second["request_count"] == 1 and second["unique_users"] == 1


def test_hourly_latency_average_and_percentiles() -> None:
    (one,) = compute_usage_hourly(events({"latency_ms": 7}, {"latency_ms": None})).to_dicts()
    assert [one[c] for c in ("avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms")] == [7.0] * 4
    (two,) = compute_usage_hourly(events({"latency_ms": 100}, {"latency_ms": 201})).to_dicts()
    assert two["p50_latency_ms"] == 150.5
    assert two["p95_latency_ms"] == 100 + 0.95 * 101 and two["p99_latency_ms"] == 100 + 0.99 * 101
    (none,) = compute_usage_hourly(events({"latency_ms": None}, {"latency_ms": None})).to_dicts()
    assert [none[c] for c in ("avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms")] == [None] * 4
    (third,) = compute_usage_hourly(events({"latency_ms": 1}, {"latency_ms": 1}, {"latency_ms": 2})).to_dicts()
    assert third["avg_latency_ms"] == 4 / 3  # the exact mean, rounded once to a double


def test_daily_keeps_requests_without_a_user_as_their_own_group() -> None:
    frame = events({"user_id": "a", "latency_ms": 1}, {"user_id": None, "latency_ms": 2},
                   {"user_id": None, "latency_ms": 5, "time": T0 + timedelta(hours=13)},
                   {"user_id": "a", "time": datetime(2026, 3, 2)})
    out = compute_usage_daily(frame)
    assert out.schema == pl.Schema(USAGE_DAILY_COLUMNS)
    rows = {(r["bucket"], r["user_id"]): r for r in out.to_dicts()}
    assert set(rows) == {(datetime(2026, 3, 1), "a"), (datetime(2026, 3, 1), None), (datetime(2026, 3, 2), "a")}
    assert rows[(datetime(2026, 3, 1), None)]["request_count"] == 2
    assert rows[(datetime(2026, 3, 1), None)]["avg_latency_ms"] == 3.5


def test_monthly_rolls_up_daily_rows() -> None:
    frame = events(
        {"user_id": "a", "time": datetime(2026, 3, 1, 1), "cost_cents": 5},
        {"user_id": "b", "time": datetime(2026, 3, 1, 2)},
        {"user_id": None, "time": datetime(2026, 3, 9, 3)},
        {"user_id": "a", "time": datetime(2026, 3, 31, 23, 59)},
        {"user_id": "a", "time": datetime(2026, 4, 1)},
        {"user_id": "c", "time": datetime(2026, 4, 1), "model": "other"},
    )
    out = compute_usage_monthly(compute_usage_daily(frame))
    assert out.schema == pl.Schema(USAGE_MONTHLY_COLUMNS)
    rows = {(r["bucket"], r["model"]): r for r in out.to_dicts()}
    march = rows[(date(2026, 3, 1), "m")]
    assert (march["request_count"], march["unique_users"], march["active_days"]) == (4, 2, 3)
    assert march["total_cost_cents"] == 8
    assert rows[(date(2026, 4, 1), "m")]["active_days"] == 1
    assert rows[(date(2026, 4, 1), "other")]["unique_users"] == 1


def test_monthly_of_days_without_users_counts_no_users() -> None:
    out = compute_usage_monthly(compute_usage_daily(events({"user_id": None}, {"user_id": None})))
    assert out["unique_users"].to_list() == [0] and out["active_days"].to_list() == [1]


def test_token_usage_daily_sums_exactly() -> None:
    frame = pl.DataFrame(
        {"timestamp": [datetime(2026, 3, 1, 1), datetime(2026, 3, 1, 2), datetime(2026, 3, 1, 3), datetime(2026, 3, 2)],
         "project_id": ["p", "p", "p", "p"], "provider": ["claude", "claude", "openai", "claude"],
         "input_tokens": [1, 2, 3, 4], "output_tokens": [5, 6, 7, 8],
         "total_cost": [Decimal("0.0001"), Decimal("0.0002"), Decimal("999999.9999"), Decimal("0.1000")]},
        schema=TOKEN_USAGE_COLUMNS,
    )
    out = compute_token_usage_daily(frame)
    assert out.schema == pl.Schema(TOKEN_USAGE_DAILY_COLUMNS)
    assert out.to_dicts()[0] == {"usage_date": date(2026, 3, 1), "project_id": "p", "provider": "claude",
                                 "request_count": 2, "total_input": 3, "total_output": 11,
                                 "daily_cost": Decimal("0.0003")}
    assert out["daily_cost"].to_list()[1:] == [Decimal("999999.9999"), Decimal("0.1000")]


# --- on the engines --------------------------------------------------------------------------------

FIRST, LAST = date(2026, 3, 30), date(2026, 4, 2)
MODELS = ["claude-3-opus", "claude-3-sonnet", "claude-3-haiku"]
STATUSES = ["success", "success", "success", "error", "timeout", "rate_limited"]


def _usage_events(rng: np.random.Generator, n: int, start: datetime, span: timedelta) -> pl.DataFrame:
    orgs, projects, users = uuids(rng, 2), uuids(rng, 4), uuids(rng, 30)
    latency = rng.integers(20, 9000, n).tolist()
    user = [users[i] for i in rng.integers(0, len(users), n)]
    for i in np.flatnonzero(rng.random(n) < 0.1):
        latency[i] = None
    for i in np.flatnonzero(rng.random(n) < 0.15):
        user[i] = None
    offsets = rng.integers(0, span // timedelta(microseconds=1), n)
    return pl.DataFrame({
        "time": [start + timedelta(microseconds=int(us)) for us in offsets],
        "org_id": [orgs[i % 2] for i in range(n)],
        "project_id": [projects[i] for i in rng.integers(0, 4, n)],
        "user_id": user,
        "request_id": uuids(rng, n),
        "event_type": ["api_call"] * n,
        "model": [MODELS[i] for i in rng.integers(0, 3, n)],
        "input_tokens": rng.integers(0, 20000, n).tolist(),
        "output_tokens": rng.integers(0, 8000, n).tolist(),
        "cache_read_tokens": rng.integers(0, 3000, n).tolist(),
        "cost_cents": rng.integers(0, 900, n).tolist(),
        "latency_ms": latency,
        "status": [STATUSES[i] for i in rng.integers(0, len(STATUSES), n)],
    }, schema_overrides={"latency_ms": pl.Int32})


def _seed_usage(warehouse: WarehouseResource) -> None:
    rng = np.random.default_rng(3)
    frames = [_usage_events(rng, 3000, datetime(2026, 3, 30), timedelta(days=4)),
              # outside the window on both sides
              _usage_events(rng, 20, datetime(2026, 3, 29, 23, 59, 59), timedelta(seconds=1)),
              _usage_events(rng, 20, datetime(2026, 4, 3), timedelta(seconds=1))]
    # one hour whose requests all lack a latency, and one group with a single request
    lonely = _usage_events(rng, 6, datetime(2026, 3, 31, 5), timedelta(minutes=30)).with_columns(
        model=pl.lit("no-latency"), latency_ms=pl.lit(None, dtype=pl.Int32))
    frames += [lonely, lonely.head(1).with_columns(model=pl.lit("single"), latency_ms=pl.lit(42, dtype=pl.Int32))]
    for frame in frames:
        insert(warehouse, "usage_events", frame)
    providers = ["claude", "openai", "phi3"]
    n = 600
    insert(warehouse, "token_usage", pl.DataFrame({
        "id": uuids(rng, n),
        "project_id": [p for p in uuids(rng, 3) for _ in range(n // 3)],
        "provider": [providers[i] for i in rng.integers(0, 3, n)],
        "model": ["m"] * n,
        "input_tokens": rng.integers(0, 50000, n).tolist(),
        "output_tokens": rng.integers(0, 9000, n).tolist(),
        "total_cost": [Decimal(int(c)) / 10000 for c in rng.integers(0, 10_000_000, n)],
        "timestamp": [datetime(2026, 3, 29, 12) + timedelta(seconds=int(s)) for s in rng.integers(0, 6 * 86400, n)],
    }, schema_overrides={"total_cost": pl.Decimal(10, 4)}))


LATENCIES = ["avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms"]


def test_usage_assets_equal_the_sql_definitions(scratch_warehouse: WarehouseResource) -> None:
    warehouse = scratch_warehouse
    _seed_usage(warehouse)
    window = Window.of_days(FIRST, LAST)
    assets = [usage_hourly_asset, usage_daily_asset, usage_monthly_asset, token_usage_daily_asset]
    result = materialize(assets, warehouse, FIRST, LAST)
    assert result.success

    hourly = stored_rows(warehouse, "usage_hourly", USAGE_HOURLY_COLUMNS)
    assert hourly.height > 300 and hourly["bucket"].min() == datetime(2026, 3, 30)
    assert_same_rows(hourly, sql_definition(warehouse, "usage_hourly", window), HOURLY_KEYS, float_columns=LATENCIES)
    no_latency = hourly.filter(pl.col("model") == "no-latency")
    assert no_latency.height >= 1 and no_latency.select(LATENCIES).null_count().row(0) == (no_latency.height,) * 4

    daily = stored_rows(warehouse, "usage_daily", USAGE_DAILY_COLUMNS)
    assert daily["user_id"].null_count() > 0
    assert_same_rows(daily, sql_definition(warehouse, "usage_daily", window), DAILY_KEYS,
                     float_columns=["avg_latency_ms"])

    # The raw events of 03-29 and 04-03 (outside the window) are in the same months: once their days are
    # built too, usage_monthly from usage_daily equals the seed's monthly aggregate of the raw events.
    for day in (date(2026, 3, 29), date(2026, 4, 3)):
        assert materialize([usage_daily_asset, usage_monthly_asset], warehouse, day, day).success
    monthly = stored_rows(warehouse, "usage_monthly", USAGE_MONTHLY_COLUMNS)
    months = Window(datetime(2026, 3, 1), datetime(2026, 5, 1))
    assert_same_rows(monthly, sql_definition(warehouse, "usage_monthly", months), MONTHLY_KEYS)
    assert sorted(set(monthly["bucket"])) == [date(2026, 3, 1), date(2026, 4, 1)]

    tokens = stored_rows(warehouse, "token_usage_daily", TOKEN_USAGE_DAILY_COLUMNS)
    assert_same_rows(tokens, sql_definition(warehouse, "token_usage_daily", window), TOKEN_KEYS)
    assert sorted(set(tokens["usage_date"])) == window.days

    meta = metadata_of(result, "usage_daily")
    assert meta["dagster/row_count"] == daily.height and meta["days_processed"] == 4
    assert meta["trend"].count("\n") == 5
    assert metadata_of(result, "usage_monthly")["months_processed"] == ["2026-03", "2026-04"]

    for asset, source in (("usage_hourly", USAGE_SOURCE), ("token_usage_daily", TOKEN_SOURCE)):
        builds = stored_rows(warehouse, "partition_builds", ["partition_date", "source_rows", "source_fingerprint"],
                             "asset_key = :key", {"key": asset})
        stats_sql = source.stats_sql(warehouse.engine_family())
        by_sql = {d: (n, fingerprint(n, t)) for d, n, t in warehouse.query(stats_sql, window.params())}
        assert {r["partition_date"]: (r["source_rows"], r["source_fingerprint"]) for r in builds.to_dicts()} == by_sql

    # Raw events are archived away: usage_monthly, rebuilt from usage_daily, does not change.
    warehouse.execute("DELETE FROM usage_events WHERE time < :cut", {"cut": datetime(2026, 4, 1)})
    assert materialize([usage_monthly_asset], warehouse, date(2026, 3, 31), date(2026, 4, 1)).success
    assert_same_rows(stored_rows(warehouse, "usage_monthly", USAGE_MONTHLY_COLUMNS), monthly, MONTHLY_KEYS)


def test_one_day_is_replaced_alone(scratch_warehouse: WarehouseResource) -> None:
    warehouse = scratch_warehouse
    _seed_usage(warehouse)
    assert materialize([usage_hourly_asset, usage_daily_asset], warehouse, FIRST, LAST).success
    before = stored_rows(warehouse, "usage_daily", USAGE_DAILY_COLUMNS)
    day = date(2026, 3, 31)
    warehouse.execute("DELETE FROM usage_events WHERE time >= :start AND time < :end",
                      Window.of_days(day, day).params())
    assert materialize([usage_hourly_asset, usage_daily_asset], warehouse, day, day).success
    after = stored_rows(warehouse, "usage_daily", USAGE_DAILY_COLUMNS)
    untouched = pl.col("bucket").dt.date() != day
    assert_same_rows(after, before.filter(untouched), DAILY_KEYS, float_columns=["avg_latency_ms"])
    assert stored_rows(warehouse, "usage_hourly", ["bucket"]).filter(pl.col("bucket").dt.date() == day).height == 0
