"""The expectation suites (expectations/*.json): each loads whole, rates every rule, names only real
columns, and covers its table's contract (NOT NULL, value sets, ranges, soft references, derived keys)."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from cockpit_pipelines import suites
from cockpit_pipelines.contracts import Table, contracts
from cockpit_pipelines.suites import SEVERITIES, load_suite, read_suite, suite_tables, window_query
from cockpit_pipelines.windows import Window

SUITES = suite_tables()
# usage_daily's grain has a nullable user_id; GX's compound uniqueness compares NULLs with `=` on
# PostgreSQL, so the suite uses user_key, the generated non-null stand-in the contract declares.
KEY_STAND_INS = {"usage_daily": {"user_id": "user_key"}}


def _expectations(table: str) -> list[dict[str, Any]]:
    return read_suite(table)["expectations"]


def _of_type(table: str, kind: str) -> list[dict[str, Any]]:
    return [e["kwargs"] for e in _expectations(table) if e["type"] == kind]


def test_every_derived_table_and_every_raw_input_of_the_analytics_has_a_suite() -> None:
    from cockpit_pipelines.assets import governance, rag, telemetry, usage

    analytics = [a for a in dg.load_assets_from_modules([rag, usage, telemetry, governance])
                 if governance.SCAN_KEY not in a.keys]  # the scan reads the platform's data, not analytics inputs
    inputs = {key.path[-1] for a in analytics for key in a.dependency_keys if key.path[0] == "raw"}
    derived = {t.name for t in contracts().tables_of_kind("derived")}
    assert inputs, "the analytics assets declare their raw inputs as deps"
    assert derived | inputs <= set(SUITES)


@pytest.mark.parametrize("table", SUITES)
def test_suite_loads_exactly_the_expectations_it_lists(table: str) -> None:
    suite = load_suite(table)
    listed = _expectations(table)
    assert [e.expectation_type for e in suite.expectations] == [e["type"] for e in listed]
    assert all(e.meta["severity"] in SEVERITIES for e in suite.expectations)


def test_a_suite_with_an_unknown_expectation_type_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suites, "EXPECTATIONS_DIR", tmp_path)
    (tmp_path / "t.json").write_text(json.dumps({"name": "t", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}, "meta": {"severity": "error"}},
        {"type": "expect_column_values_to_be_frobnicated", "kwargs": {"column": "a"}, "meta": {"severity": "warn"}},
    ]}))
    with pytest.raises(ValueError, match=r"lists 2 expectations but .* loaded 1; not loaded: "
                                         r"\['expect_column_values_to_be_frobnicated'\]"):
        load_suite("t")


def test_a_suite_rule_without_severity_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suites, "EXPECTATIONS_DIR", tmp_path)
    (tmp_path / "t.json").write_text(json.dumps({"name": "t", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}, "meta": {"severity": "fatal"}},
    ]}))
    with pytest.raises(ValueError, match=r"meta\.severity must be error or warn"):
        load_suite("t")


@pytest.mark.parametrize("table", SUITES)
def test_suite_names_only_columns_of_its_table(table: str) -> None:
    columns = set(contracts().table(table).column_names)
    named = set()
    for e in _expectations(table):
        kwargs = e["kwargs"]
        named |= {kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs}
        named |= set(kwargs.get("column_list", []))
        if condition := kwargs.get("row_condition"):
            named.add(condition["column"]["name"])
    assert named <= columns, f"not columns of {table}: {sorted(named - columns)}"


@pytest.mark.parametrize("table", SUITES)
def test_sql_rules_read_the_validated_window(table: str) -> None:
    for e in _expectations(table):
        if e["type"] == "expect_query_to_return_no_rows":
            assert "FROM (SELECT * FROM {batch}) b WHERE" in e["kwargs"]["unexpected_rows_query"]
            assert e.get("description"), "SQL rules are named by their description"


@pytest.mark.parametrize("table", SUITES)
def test_suite_covers_the_contract(table: str) -> None:
    contract = contracts().table(table)
    not_null = {k["column"] for k in _of_type(table, "expect_column_values_to_not_be_null") if "row_condition" not in k}
    value_sets = {k["column"]: set(k["value_set"]) for k in _of_type(table, "expect_column_values_to_be_in_set")}
    ranges = {(k["column"], k.get("min_value"), k.get("max_value"))
              for k in _of_type(table, "expect_column_values_to_be_between") if "$PARAMETER" not in str(k)}
    queries = " ".join(k["unexpected_rows_query"] for k in _of_type(table, "expect_query_to_return_no_rows"))
    for col in contract.columns:
        if not col.nullable:
            assert col.name in not_null, f"{table}.{col.name} is NOT NULL in the contract"
        if col.values:
            assert value_sets.get(col.name) == set(col.values), f"{table}.{col.name} values"
        if col.min is not None or col.max is not None:
            assert (col.name, col.min, col.max) in ranges, f"{table}.{col.name} range [{col.min}, {col.max}]"
        if col.references and col.soft:
            target, column = col.references.split(".")
            assert f"FROM {target} r WHERE r.{column} = b.{col.name}" in queries, f"{table}.{col.name} reference"
    if contract.kind == "derived":
        assert _key(contract) in _unique_keys(table), f"{table} key {_key(contract)}"


def _key(table: Table) -> tuple[str, ...]:
    key = table.primary_key if table.primary_key != ("id",) else table.unique[0]
    key = key or table.unique[0]
    stand_ins = KEY_STAND_INS.get(table.name, {})
    return tuple(stand_ins.get(c, c) for c in key)


def _unique_keys(table: str) -> set[tuple[str, ...]]:
    single = {(k["column"],) for k in _of_type(table, "expect_column_values_to_be_unique")}
    return single | {tuple(k["column_list"]) for k in _of_type(table, "expect_compound_columns_to_be_unique")}


def test_window_query_bounds_the_time_column_with_engine_literals() -> None:
    window = Window(datetime(2026, 1, 3), datetime(2026, 1, 4))
    usage = contracts().table("usage_events")
    assert window_query(usage, window, "mysql") == (
        "SELECT * FROM usage_events WHERE `time` >= TIMESTAMP '2026-01-03 00:00:00.000000' "
        "AND `time` < TIMESTAMP '2026-01-04 00:00:00.000000'"
    )
    rag = contracts().table("rag_metrics_history")
    assert window_query(rag, window, "postgresql") == (
        "SELECT * FROM rag_metrics_history WHERE \"date\" >= DATE '2026-01-03' AND \"date\" < DATE '2026-01-04'"
    )
    assert window_query(contracts().table("metadata_standards"), None, "mysql") == "SELECT * FROM metadata_standards"


def test_monthly_tables_are_validated_over_whole_months() -> None:
    window = Window(datetime(2026, 1, 31), datetime(2026, 2, 2))
    assert suites.suite_window("usage_monthly", window) == Window(
        datetime(2026, 1, 1), datetime(2026, 3, 1)
    )
    assert suites.suite_window("usage_daily", window) == window
    assert suites.suite_window("metadata_standards", window) is None
