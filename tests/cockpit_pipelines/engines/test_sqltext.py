"""Window bounds typed as the column is: a timestamptz column on PostgreSQL is compared with a
timestamptz bound taken as UTC (no conversion per row, partitions pruned when planned)."""

from __future__ import annotations

from datetime import datetime

import pytest

from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.engines.sqltext import split_header, sql_literal, to_pyformat, utc_bound

START, END = datetime(2026, 10, 1), datetime(2026, 10, 2)
ROWS = ["2026-09-30 23:59:59+00", "2026-10-01 00:00:00+00", "2026-10-01 23:59:59+00", "2026-10-02 00:00:00+00"]


@pytest.mark.parametrize(("column_type", "family", "expected"), [
    ("timestamptz", "postgresql", "(:start AT TIME ZONE 'UTC')"),
    ("timestamp", "postgresql", ":start"),
    ("date", "postgresql", ":start"),
    ("timestamptz", "mysql", ":start"),
])
def test_only_a_postgresql_timestamptz_column_gets_a_timestamptz_bound(column_type: str, family: str,
                                                                        expected: str) -> None:
    assert utc_bound(":start", column_type, family) == expected


@pytest.fixture
def partitioned(postgres_url: str) -> str:
    engine = engine_for(postgres_url)
    engine.execute("CREATE TABLE bounded (at timestamptz NOT NULL) PARTITION BY RANGE (at)")
    for month, (lo, hi) in {"09": ("2026-09-01", "2026-10-01"), "10": ("2026-10-01", "2026-11-01")}.items():
        engine.execute(f"CREATE TABLE bounded_{month} PARTITION OF bounded FOR VALUES FROM ('{lo}+00') TO ('{hi}+00')")
    engine.execute("INSERT INTO bounded VALUES " + ", ".join(f"('{row}')" for row in ROWS))
    return postgres_url


def test_a_timestamptz_bound_is_utc_in_any_session_and_prunes_when_planned(partitioned: str) -> None:
    start, end = (utc_bound(f":{name}", "timestamptz", "postgresql") for name in ("start", "end"))
    condition = f"at >= {start} AND at < {end}"
    params = {"start": START, "end": END}
    literal = condition
    for name, value in params.items():
        literal = literal.replace(f":{name}", sql_literal(value, "postgresql"))
    with engine_for(partitioned).transaction() as conn:
        cur = conn.cursor()
        cur.execute("SET TIME ZONE 'Asia/Tokyo'")
        cur.execute(to_pyformat(f"SELECT count(*) FROM bounded WHERE {condition}", params), params)
        assert cur.fetchone()[0] == 2
        cur.execute(f"SELECT count(*) FROM bounded WHERE {literal}")
        assert cur.fetchone()[0] == 2
        cur.execute(f"EXPLAIN SELECT * FROM bounded WHERE {literal}")
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "bounded_10" in plan
    assert "bounded_09" not in plan
    assert "Subplans Removed" not in plan
    assert "timestamp without time zone" not in plan


def test_a_header_is_the_leading_comment_lines_and_its_fields_are_key_value_lines() -> None:
    text = ("-- domain: usage\n-- A note of the header: not a field (a space before the colon)\n"
            "--seed: 003\n-- seed: 003b\n\n-- later: not the header\nSELECT 1 -- x: y\n")
    fields, rest = split_header(text)
    assert fields == {"domain": "usage", "seed": "003b"}
    assert rest == "\n-- later: not the header\nSELECT 1 -- x: y"
    assert split_header("SELECT :a") == ({}, "SELECT :a")
