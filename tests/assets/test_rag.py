"""rag_metrics_history: the Polars transform on hand-made frames, then the asset on PostgreSQL and MariaDB
against the SQL definitions in sql/analytics/<engine>/rag_metrics_history.sql."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest
from analytics_testkit import (
    add_users,
    assert_same_rows,
    insert,
    materialize,
    metadata_of,
    parse_json,
    sql_definition,
    stored_rows,
    uuids,
)

from cockpit_pipelines.assets.rag import (
    DIALOGUE_COLUMNS,
    RAG_METRICS_COLUMNS,
    SOURCE,
    compute_rag_metrics_history,
    rag_metrics_history_asset,
)
from cockpit_pipelines.builds import fingerprint
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.slo import SloTarget, load_slo_targets
from cockpit_pipelines.windows import Window

DAY = date(2026, 3, 1)
SLOS = load_slo_targets()


def dialogue(*rows: dict[str, Any]) -> pl.DataFrame:
    """ai_dialogue_log rows as the asset reads them; unspecified columns are null."""
    defaults = {"created_at": datetime(2026, 3, 1, 12), "user_id": "u1"}
    return pl.DataFrame([{**defaults, **row} for row in rows], schema=DIALOGUE_COLUMNS)


def metrics(frame: pl.DataFrame, days: list[date] | None = None, slos: list[SloTarget] = SLOS) -> list[dict]:
    return compute_rag_metrics_history(frame, days or [DAY], slos).to_dicts()


def test_output_has_the_contract_columns_and_types() -> None:
    out = compute_rag_metrics_history(dialogue({"latency_ms": 5}), [DAY], SLOS)
    assert out.schema == pl.Schema(RAG_METRICS_COLUMNS)


def test_a_day_without_rows_gets_a_row_with_null_rates() -> None:
    (row,) = metrics(pl.DataFrame(schema=DIALOGUE_COLUMNS))
    assert row["date"] == DAY
    assert (row["total_queries"], row["citation_count"], row["unique_users"], row["total_tokens"]) == (0, 0, 0, 0)
    assert row["total_cost"] == Decimal("0.00")
    for column in ("citation_rate", "avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms",
                   "cost_per_answer", "avg_relevance_score", "positive_feedback_rate"):
        assert row[column] is None, column
    slo = json.loads(row["slo_compliance"])
    assert slo["citation_rate"] == {"target": 70, "op": ">=", "actual": None, "met": None}
    assert slo["cost_per_answer"]["met"] is None


def test_every_requested_day_is_present_and_rows_outside_them_do_not_leak() -> None:
    frame = dialogue({"created_at": datetime(2026, 3, 1, 0, 0)}, {"created_at": datetime(2026, 3, 3, 23, 59)})
    out = compute_rag_metrics_history(frame, [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)], SLOS)
    assert out["date"].to_list() == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]
    assert out["total_queries"].to_list() == [1, 0, 1]


def test_all_null_latencies_give_null_latency_metrics() -> None:
    (row,) = metrics(dialogue({"latency_ms": None}, {"latency_ms": None, "total_tokens": 7}))
    assert row["total_queries"] == 2 and row["total_tokens"] == 7
    assert [row[c] for c in ("avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms")] == [None] * 4
    assert json.loads(row["slo_compliance"])["p95_latency_ms"]["met"] is None


def test_percentiles_of_one_and_two_values_interpolate_linearly() -> None:
    (one,) = metrics(dialogue({"latency_ms": 100}, {"latency_ms": None}))
    assert [one[c] for c in ("p50_latency_ms", "p95_latency_ms", "p99_latency_ms")] == [Decimal("100.00")] * 3
    (two,) = metrics(dialogue({"latency_ms": 100}, {"latency_ms": 201}))
    assert two["p50_latency_ms"] == Decimal("150.50")
    assert two["p95_latency_ms"] == Decimal("195.95")  # 100 + 0.95 * 101
    assert two["p99_latency_ms"] == Decimal("199.99")
    assert two["avg_latency_ms"] == Decimal("150.50")


def test_averages_and_rates_round_half_up_at_xx5() -> None:
    rows = [{"latency_ms": 1} for _ in range(199)] + [{"latency_ms": 2}]  # 201 / 200 = 1.005
    rows[0] |= {"relevance_score": Decimal("0.50"), "token_cost_jpy": Decimal("1.00")}  # 1.00 / 200 = 0.005
    rows[1] |= {"relevance_score": Decimal("0.51")}  # (0.50 + 0.51) / 2 = 0.505
    (row,) = metrics(dialogue(*rows))
    assert row["avg_latency_ms"] == Decimal("1.01")
    assert row["avg_relevance_score"] == Decimal("0.51")
    assert row["cost_per_answer"] == Decimal("0.01")
    assert row["total_cost"] == Decimal("1.00")
    cited = [{"citation_length": 1}] + [{"citation_length": 0} for _ in range(799)]  # 100 / 800 = 0.125
    assert metrics(dialogue(*cited))[0]["citation_rate"] == Decimal("0.13")


def test_citations_count_only_non_empty_arrays() -> None:
    # citation_length is null for a null or non-array `citations`, 0 for [].
    frame = dialogue({"citation_length": 3}, {"citation_length": 0}, {"citation_length": None},
                     {"citation_length": 1})
    (row,) = metrics(frame)
    assert row["citation_rate"] == Decimal("50.00")
    assert row["citation_count"] == 4


def test_feedback_rate_counts_only_votes() -> None:
    (zeros,) = metrics(dialogue({"user_feedback": 0}, {"user_feedback": 0}, {"user_feedback": None}))
    assert zeros["positive_feedback_rate"] is None
    (votes,) = metrics(dialogue({"user_feedback": 1}, {"user_feedback": 1}, {"user_feedback": -1},
                                {"user_feedback": 0}))
    assert votes["positive_feedback_rate"] == Decimal("66.67")


def test_unique_users_ignores_nulls() -> None:
    (row,) = metrics(dialogue({"user_id": "a"}, {"user_id": "a"}, {"user_id": "b"}, {"user_id": None}))
    assert row["unique_users"] == 2


def test_slo_compliance_uses_configured_targets() -> None:
    frame = dialogue({"latency_ms": 2000, "citation_length": 2, "token_cost_jpy": Decimal("6.00")},
                     {"latency_ms": 4000, "citation_length": 0, "token_cost_jpy": Decimal("2.00")})
    (row,) = metrics(frame)
    slo = parse_json(row["slo_compliance"])
    assert list(slo) == ["citation_rate", "p95_latency_ms", "cost_per_answer"]
    assert slo["citation_rate"] == parse_json('{"target": 70, "op": ">=", "actual": 50.00, "met": false}')
    assert slo["p95_latency_ms"] == parse_json('{"target": 3000, "op": "<=", "actual": 3900.00, "met": false}')
    assert slo["cost_per_answer"] == parse_json('{"target": 5.00, "op": "<=", "actual": 4.00, "met": true}')
    relaxed = load_slo_targets(overrides={"p95_latency_ms": 4000, "citation_rate": 50})
    (row,) = metrics(frame, slos=relaxed)
    slo = parse_json(row["slo_compliance"])
    assert slo["p95_latency_ms"]["met"] == ("bool", True) and slo["citation_rate"]["met"] == ("bool", True)


def test_slo_targets_file_and_overrides() -> None:
    assert [(s.metric, s.op, s.target) for s in SLOS] == [
        ("citation_rate", ">=", Decimal(70)), ("p95_latency_ms", "<=", Decimal(3000)),
        ("cost_per_answer", "<=", Decimal("5.00")),
    ]
    with pytest.raises(ValueError, match="unknown metric"):
        load_slo_targets(overrides={"latency": 1})
    with pytest.raises(ValueError, match="op must be one of"):
        SloTarget("citation_rate", "=>", Decimal(1))
    with pytest.raises(ValueError, match="not rag_metrics_history columns"):
        compute_rag_metrics_history(dialogue(), [DAY], [SloTarget("latency", "<=", Decimal(1))])


# --- on the engines --------------------------------------------------------------------------------

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 4)
CITATIONS = [None, "[]", '["doc-1"]', '["doc-1", "doc-2", "doc-3"]', '{"not": "an array"}']


def _raw_rows(rng: np.random.Generator, users: list[str], stamps: list[datetime], **columns: Any) -> pl.DataFrame:
    n = len(stamps)

    def nulls(values: np.ndarray, share: float) -> list:
        return [None if m else v for v, m in zip(values.tolist(), rng.random(n) < share, strict=True)]

    frame = {
        "id": uuids(rng, n),
        "user_id": [users[i] for i in rng.integers(0, len(users), n)],
        "session_id": uuids(rng, n),
        "query": ["q"] * n,
        "response": ["r"] * n,
        "model_used": ["claude-sonnet"] * n,
        "created_at": stamps,
        "updated_at": stamps,
        "citations": [CITATIONS[i] for i in rng.integers(0, len(CITATIONS), n)],
        "latency_ms": nulls(rng.integers(40, 6000, n), 0.1),
        "total_tokens": nulls(rng.integers(10, 4000, n), 0.05),
        "token_cost_jpy": [Decimal(int(c)) / 100 for c in rng.integers(0, 2000, n)],
        "relevance_score": nulls(np.array([Decimal(int(c)) / 100 for c in rng.integers(0, 101, n)], dtype=object), 0.2),
        "user_feedback": nulls(rng.integers(-1, 2, n), 0.3),
    }
    frame.update({k: v if isinstance(v, list) else [v] * n for k, v in columns.items()})
    schema = {"token_cost_jpy": pl.Decimal(8, 2), "relevance_score": pl.Decimal(3, 2), "latency_ms": pl.Int32,
              "total_tokens": pl.Int32, "user_feedback": pl.Int32}
    return pl.DataFrame(frame, schema_overrides=schema)


def _seed_dialogue(warehouse: WarehouseResource) -> list[str]:
    rng = np.random.default_rng(2026)
    users = uuids(rng, 25)
    add_users(warehouse, users)

    def stamps(day: date, n: int) -> list[datetime]:
        return sorted(datetime.combine(day, datetime.min.time()) + timedelta(microseconds=int(us))
                      for us in rng.integers(0, 86_400_000_000, n))

    day2 = stamps(date(2026, 3, 2), 800)
    frames = [
        _raw_rows(rng, users, stamps(date(2026, 3, 1), 400)),
        # every latency null, feedback only 0, one cited answer in 800 (0.125 %), 4.00 JPY over 800 (0.005)
        _raw_rows(rng, users, day2, latency_ms=None, user_feedback=[0, None] * 400,
                  citations=['["doc"]'] + ["[]"] * 799, token_cost_jpy=[Decimal("4.00")] + [Decimal(0)] * 799,
                  relevance_score=[Decimal("0.50"), Decimal("0.51")] + [None] * 798),
        # 2026-03-03 has no rows; 2026-03-04: 201 ms over 200 answers (1.005 ms)
        _raw_rows(rng, users, stamps(date(2026, 3, 4), 200), latency_ms=[2] + [1] * 199),
        # just outside the window on both sides
        _raw_rows(rng, users, [datetime(2026, 2, 28, 23, 59, 59, 999999), datetime(2026, 3, 5)]),
    ]
    for frame in frames:
        insert(warehouse, "ai_dialogue_log", frame)
    return users


SLO_PARAMS = {f"target_{s.metric}": s.target for s in SLOS}
KEYS = ["date"]


def test_asset_equals_the_sql_definition_and_is_idempotent(scratch_warehouse: WarehouseResource) -> None:
    warehouse = scratch_warehouse
    _seed_dialogue(warehouse)
    window = Window.of_days(FIRST, LAST)
    result = materialize([rag_metrics_history_asset], warehouse, FIRST, LAST)
    assert result.success
    columns = list(RAG_METRICS_COLUMNS)
    stored = stored_rows(warehouse, "rag_metrics_history", columns)
    expected = sql_definition(warehouse, "rag_metrics_history", window, **SLO_PARAMS)
    assert_same_rows(stored, expected, KEYS, json_columns=["slo_compliance"])

    rows = {r["date"]: r for r in stored.to_dicts()}
    assert rows[date(2026, 3, 3)]["total_queries"] == 0 and rows[date(2026, 3, 3)]["citation_rate"] is None
    assert rows[date(2026, 3, 2)]["citation_rate"] == Decimal("0.13")
    assert rows[date(2026, 3, 2)]["cost_per_answer"] == Decimal("0.01")
    assert rows[date(2026, 3, 2)]["avg_relevance_score"] == Decimal("0.51")
    assert rows[date(2026, 3, 2)]["positive_feedback_rate"] is None
    assert rows[date(2026, 3, 2)]["p95_latency_ms"] is None
    assert rows[date(2026, 3, 4)]["avg_latency_ms"] == Decimal("1.01")
    assert [rows[d]["total_queries"] for d in sorted(rows)] == [400, 800, 0, 200]

    meta = metadata_of(result, "rag_metrics_history")
    assert meta["dagster/row_count"] == 4 and meta["days_processed"] == 4 and meta["source_rows"] == 1400
    assert meta["window_start"] == "2026-03-01T00:00:00" and meta["window_end"] == "2026-03-05T00:00:00"
    assert "| date" in meta["preview"] and meta["trend"].count("\n") == 5  # header, rule, 4 days

    # partition_builds: one row per day, the fingerprint the late-data sensor recomputes in SQL
    builds = stored_rows(warehouse, "partition_builds", ["partition_date", "source_rows", "source_fingerprint"],
                         "asset_key = :key", {"key": "rag_metrics_history"}).sort("partition_date")
    assert builds["source_rows"].to_list() == [400, 800, 0, 200]
    stats_sql = SOURCE.stats_sql(warehouse.engine_family())
    by_sql = {d: fingerprint(n, t) for d, n, t in warehouse.query(stats_sql, window.params())}
    assert by_sql.get(date(2026, 3, 3)) is None
    by_sql[date(2026, 3, 3)] = fingerprint(0, None)
    assert dict(zip(builds["partition_date"], builds["source_fingerprint"], strict=True)) == by_sql

    # the same day again, and an overlapping range: exactly the rows one run leaves
    assert materialize([rag_metrics_history_asset], warehouse, date(2026, 3, 2), date(2026, 3, 2)).success
    assert materialize([rag_metrics_history_asset], warehouse, date(2026, 3, 3), LAST).success
    assert_same_rows(stored_rows(warehouse, "rag_metrics_history", columns), stored, KEYS,
                     json_columns=["slo_compliance"])
    assert stored_rows(warehouse, "partition_builds", ["partition_date"]).height == 4


def test_slo_targets_can_be_overridden_per_run(scratch_warehouse: WarehouseResource) -> None:
    warehouse = scratch_warehouse
    _seed_dialogue(warehouse)
    config = {"ops": {"rag_metrics_history": {"config": {"slo_targets": {"p95_latency_ms": 1.0}}}}}
    assert materialize([rag_metrics_history_asset], warehouse, FIRST, FIRST, run_config=config).success
    (text,) = stored_rows(warehouse, "rag_metrics_history", ["slo_compliance"])["slo_compliance"]
    slo = parse_json(text)
    assert slo["p95_latency_ms"]["target"] == Decimal(1) and slo["p95_latency_ms"]["met"] == ("bool", False)
    expected = sql_definition(warehouse, "rag_metrics_history", Window.of_days(FIRST, FIRST),
                              **{**SLO_PARAMS, "target_p95_latency_ms": Decimal("1.0")})
    assert parse_json(expected["slo_compliance"][0]) == slo
