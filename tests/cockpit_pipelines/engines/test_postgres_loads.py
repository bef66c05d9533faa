"""PostgreSQL load transactions: binary COPY through ADBC stores what the server's own text input stores,
for every type: numerics and IPv4 addresses in their binary form, other inet values, which Arrow has
no binary form for, carried as text; a rolled back load leaves nothing."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest

from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.engines.postgres import arrow_for_copy

COLUMNS = {
    "id": "uuid", "doc": "jsonb", "raw_doc": "json", "mood": "mood", "n": "integer", "big": "bigint",
    "small": "smallint", "price": "numeric(8,2)", "rate": "numeric(3,2)", "ratio": "double precision",
    "ok": "boolean", "at": "timestamptz", "local_at": "timestamp", "day": "date", "span": "interval",
    "ip": "inet", "ip4": "inet", "bucket": "interval", "code": "varchar(20)", "note": "text",
}
# Numerics with zero base-10000 digit groups, which the pinned ADBC driver writes wrong as binary.
PRICES = [Decimal("-790000.39"), Decimal("610000.50"), Decimal("0.05"), Decimal("100.00"), Decimal("0"), None]


def _frame() -> pl.DataFrame:
    n = len(PRICES)
    at = datetime(2026, 3, 30, 1, 2, 3, 456789)
    return pl.DataFrame({
        "id": [str(uuid.UUID(int=i * 7919)) for i in range(n - 1)] + [None],
        "doc": ['{"a": [1, 2], "é": "ü"}', "{}", "null", '"text"', "[]", None],
        "raw_doc": ['{"b":2,  "b":3}'] * (n - 1) + [None],
        "mood": ["happy", "sad", "happy", "sad", "happy", None],
        "n": [1, -2, 2**31 - 1, 0, 5, None],
        "big": [2**40, -1, 0, 1, 2, None],
        "small": [1, 2, 3, -4, 5, None],
        "price": PRICES,
        "rate": [Decimal("0.85"), Decimal("1.5"), Decimal("0.05"), Decimal("0.10"), Decimal("-3.25"), None],
        "ratio": [0.1, 1e300, -2.5, 0.0, float("inf"), None],
        "ok": [True, False, True, False, True, None],
        "at": [at.replace(tzinfo=UTC) + timedelta(hours=i) for i in range(n - 1)] + [None],
        "local_at": [at + timedelta(days=i) for i in range(n - 1)] + [None],
        "day": [date(2026, 3, 30) + timedelta(days=i) for i in range(n - 1)] + [None],
        "span": [timedelta(days=1, hours=2), timedelta(microseconds=1), timedelta(0), timedelta(seconds=90),
                 timedelta(days=400), None],
        "ip": ["10.0.0.1", "2001:db8::1", "192.168.1.0/24", "::1", "127.0.0.1", None],
        "ip4": ["10.0.0.1", "192.168.1.5/24", "0.0.0.0/0", "255.255.255.255", "172.16.0.0/12", None],
        "bucket": ["00:05:00", "01:00:00", "23:59:59", "00:00:00", "00:00:01", None],
        "code": ["a", "b, \"quoted\"", "line\nbreak", "tab\there", "", None],
        "note": ["\\N", "NULL", "ünïcode", "x" * 1000, "", None],
    }, schema_overrides={"price": pl.Decimal(8, 2), "rate": pl.Decimal(3, 2), "n": pl.Int64,
                         "small": pl.Int64, "at": pl.Datetime("us", "UTC")})


@pytest.fixture
def tables(postgres_url: str):
    engine = engine_for(postgres_url)
    engine.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
    for name in ("by_load", "by_text"):
        engine.execute(f"CREATE TABLE {name} (" + ", ".join(f"{c} {t}" for c, t in COLUMNS.items()) + ")")
    return engine


def test_a_load_stores_what_the_servers_text_input_stores(tables) -> None:
    engine, frame = tables, _frame()
    with engine.load_transaction() as load:
        assert load.insert("by_load", frame) == frame.height
    with engine.transaction() as conn:  # CSV carries intervals as text
        engine.insert_frame(conn, "by_text", frame.with_columns(pl.col("span").dt.to_string("iso")))
    assert engine.scalar("SELECT count(*) FROM by_load") == frame.height
    # json has no equality operator: compared as text
    columns = ", ".join(f"{c}::text AS {c}" if t == "json" else c for c, t in COLUMNS.items())
    for one, other in (("by_load", "by_text"), ("by_text", "by_load")):
        differ = engine.query(f"SELECT id, price, rate FROM (SELECT {columns} FROM {one} "
                              f"EXCEPT ALL SELECT {columns} FROM {other}) d")
        assert differ == [], f"rows of {one} not in {other}: {differ}"
    assert sorted(engine.query("SELECT price::text FROM by_load WHERE price IS NOT NULL")) == sorted(
        [(str(p.quantize(Decimal("0.01"))),) for p in PRICES if p is not None])
    for table in ("by_load", "by_text"):  # a text equal to CSV's NULL marker stays text
        assert engine.scalar(f"SELECT count(*) FROM {table} WHERE note = :marker", {"marker": "\\N"}) == 1


def test_a_rolled_back_load_leaves_nothing(tables) -> None:
    engine = tables
    with pytest.raises(RuntimeError, match="stop"), engine.load_transaction() as load:
        load.execute("CREATE TABLE made_in_load (x int)")
        load.insert("by_load", _frame())
        raise RuntimeError("stop")
    assert engine.scalar("SELECT count(*) FROM by_load") == 0
    assert engine.scalar("SELECT to_regclass('made_in_load') IS NULL")


def test_only_types_without_a_binary_arrow_form_go_as_text() -> None:
    typnames = {"mood": "enum", "n": "int4", "big": "int8", "small": "int2", "price": "numeric", "rate": "numeric",
                "ratio": "float8", "ok": "bool", "code": "varchar"}
    types = {c: (typnames.get(c, t), t) for c, t in COLUMNS.items()}
    arrow, as_text = arrow_for_copy(_frame(), types)
    assert as_text == ["ip"]
    assert arrow.column("ip4")[1].as_py() == bytes([2, 24, 0, 4, 192, 168, 1, 5])
    assert str(arrow.schema.field("bucket").type) == "duration[us]"
    assert arrow.column("id")[1].as_py() == uuid.UUID(int=7919).bytes
    assert arrow.column("doc")[1].as_py() == b"\x01{}"
    assert arrow.schema.field("n").type == "int32" and arrow.schema.field("small").type == "int16"
    assert str(arrow.schema.field("at").type) == "timestamp[us]"


# (column type, frame precision, frame scale): every digit layout up to precision 18, and a frame scale
# above the column's, which the server rounds as its text input does.
NUMERIC_SHAPES = [("numeric(3,2)", 3, 2), ("numeric(8,2)", 8, 2), ("numeric(10,4)", 10, 4),
                  ("numeric(18,0)", 18, 0), ("numeric(18,18)", 18, 18), ("numeric(18,7)", 18, 7),
                  ("numeric(7,1)", 8, 3), ("numeric", 17, 9)]


def test_numerics_store_what_their_text_stores(postgres_url: str) -> None:
    engine, rng = engine_for(postgres_url), random.Random(11)
    columns = {f"n{i}": kind for i, (kind, _, _) in enumerate(NUMERIC_SHAPES)}
    frame = pl.DataFrame({
        f"n{i}": pl.Series([None if v is None else Decimal(v).scaleb(-scale) for v in _unscaled(rng, precision, 400)],
                           dtype=pl.Decimal(precision, scale))
        for i, (_, precision, scale) in enumerate(NUMERIC_SHAPES)
    }).with_row_index("row").with_columns(pl.col("row").cast(pl.Int32))
    for name in ("by_load", "by_text"):
        engine.execute(f"CREATE TABLE {name} (row int, " + ", ".join(f"{c} {t}" for c, t in columns.items()) + ")")
    with engine.load_transaction() as load:
        load.insert("by_load", frame)
    with engine.transaction() as conn:
        engine.insert_frame(conn, "by_text", frame)
    as_text = ", ".join(f"{c}::text" for c in columns)  # as text, the display scale counts too
    for one, other in (("by_load", "by_text"), ("by_text", "by_load")):
        differ = engine.query(f"SELECT row, {as_text} FROM {one} EXCEPT SELECT row, {as_text} FROM {other}")
        assert differ == [], f"rows of {one} not in {other}: {differ[:5]}"
    assert engine.scalar("SELECT count(*) FROM by_load WHERE n4 IS NULL") == 1


def _unscaled(rng: random.Random, precision: int, count: int) -> list[int | None]:
    """`count` unscaled values: the edges (zero, ±1, the largest, each power of 10,000 and the value
    below it), random magnitudes of every length, and a null."""
    top = 10**precision - 1
    edges = [0, 1, -1, top, -top] + [v for k in range(1, precision // 4 + 1) for v in (10_000**k, 10_000**k - 1)
                                     if v <= top]
    lengths = [rng.randint(1, precision) for _ in range(count - len(edges) - 1)]
    return edges + [rng.choice((1, -1)) * rng.randint(0, 10**n - 1) for n in lengths] + [None]
