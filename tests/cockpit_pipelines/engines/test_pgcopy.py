"""PostgreSQL's binary COPY encoder: every type it writes stores what psycopg's own parameters store,
whatever the chunk size, and a value it cannot write is named with its column and row."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import psycopg
import pytest
from psycopg.types.json import Json, Jsonb

from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.engines.pgcopy import BinaryCopy

TOKYO = timezone(timedelta(hours=9))
COLUMNS = {
    "id": ("integer", pl.Int64),
    "small": ("smallint", pl.Int64),
    "whole": ("integer", pl.Int32),
    "big": ("bigint", pl.Int64),
    "ratio": ("real", pl.Float64),
    "score": ("double precision", pl.Float64),
    "flag": ("boolean", pl.Boolean),
    "at": ("timestamp", pl.Datetime("us")),
    "at_tz": ("timestamp with time zone", pl.Datetime("ms", "Asia/Tokyo")),
    "day": ("date", pl.Date),
    "span": ("interval", pl.Duration("us")),
    "span_text": ("interval", pl.String),
    "price": ("numeric(5,2)", pl.Decimal(5, 2)),
    "amount": ("numeric(12,4)", pl.Decimal(12, 4)),
    "wide": ("numeric(20,6)", pl.Decimal(20, 6)),
    "any_number": ("numeric", pl.Float64),
    "label": ("text", pl.String),
    "code": ("varchar(8)", pl.String),
    "grade": ("char(2)", pl.String),
    "mood": ("mood", pl.String),
    "doc": ("jsonb", pl.String),
    "plain_doc": ("json", pl.String),
    "blob": ("bytea", pl.Binary),
    "key": ("uuid", pl.String),
    "raw_key": ("uuid", pl.Binary),
    "address": ("inet", pl.String),
}
KEY = "00000000-0000-4000-8000-000000000001"
ROWS = [
    (0, 1, 7, 9_007_199_254_740_993, 0.5, 1e300, True, datetime(2026, 3, 30, 12, 0, 0, 123456),
     datetime(2026, 3, 30, 9, 0, tzinfo=TOKYO), date(2026, 3, 30), timedelta(hours=1, microseconds=5), "00:05:00",
     Decimal("1.25"), Decimal("12345678.1234"), Decimal("12345678901234.123456"), 1.5, "héllo ✓", "ab", "A1", "ok",
     '{"a": [1, 2], "b": null}', '{"k":  1}', b"\x00\xff\x01", KEY, uuid.UUID(KEY).bytes, "10.0.0.7"),
    (1, -32768, -2_147_483_648, -9_223_372_036_854_775_808, -2.25, -0.0, False,
     datetime(1999, 12, 31, 23, 59, 59, 999999),
     datetime(1970, 1, 1, tzinfo=UTC), date(1999, 1, 1), timedelta(days=-2, seconds=3), "23:59:59",
     Decimal("-3.50"), Decimal("-0.0001"), Decimal("-0.000001"), -1e-9, "", "", "", "bad", "[]", "{}", b"",
     "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF", bytes(range(16)), "2001:db8::1"),
    (2, 32767, 2_147_483_647, 9_223_372_036_854_775_807, 0.0, 0.0, None, datetime(2000, 1, 1),
     datetime(2000, 1, 1, tzinfo=UTC), date(2000, 1, 1), timedelta(0), "00:00:00",
     Decimal("999.99"), Decimal("0"), Decimal("99999999999999.999999"), 0.0, "tab\tand\nnewline \\N", "x", "z", "ok",
     '"text"', "null", b"\\x00", KEY.upper(), bytes(16), "10.1.0.0/16"),
    (3, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
     None, None, None, None, None, None, None),
]


def _frame() -> pl.DataFrame:
    columns = list(zip(*ROWS, strict=True))
    series = []
    for (name, (_, dtype)), values in zip(COLUMNS.items(), columns, strict=True):
        if name == "at_tz":
            values = [None if v is None else v.astimezone(UTC).replace(tzinfo=None) for v in values]
            series.append(pl.Series(name, values, dtype=pl.Datetime("us")).dt.replace_time_zone("UTC")
                          .dt.convert_time_zone("Asia/Tokyo").dt.cast_time_unit("ms"))
        else:
            series.append(pl.Series(name, values, dtype=dtype))
    return pl.DataFrame(series)


def _types(frame: pl.DataFrame) -> dict[str, tuple[str, str]]:
    categories = {"text": "S", "varchar(8)": "S", "char(2)": "S", "mood": "E"}
    return {name: (data_type, categories.get(data_type, "X")) for name, (data_type, _) in COLUMNS.items()
            if name in frame.columns}


def _oracle_value(name: str, value: object) -> object:
    if value is None:
        return None
    if name == "doc":
        return Jsonb(None, dumps=lambda _: value)
    if name == "plain_doc":
        return Json(None, dumps=lambda _: value)
    if name == "raw_key":
        return uuid.UUID(bytes=value)
    return value


@pytest.mark.postgres
def test_every_type_stores_what_psycopg_parameters_store(postgres_url: str) -> None:
    frame = _frame()
    definition = ", ".join(f'"{name}" {data_type}' for name, (data_type, _) in COLUMNS.items())
    engine = engine_for(postgres_url)
    engine.execute("CREATE TYPE mood AS ENUM ('ok', 'bad')")
    for table in ("encoded", "encoded_in_chunks", "oracle"):
        engine.execute(f"CREATE TABLE {table} ({definition})")
    with engine.load_transaction() as load:
        assert load.insert("encoded", frame) == len(ROWS)
    with psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        encoded = BinaryCopy("encoded_in_chunks", frame, _types(frame))
        columns = ", ".join(f'"{c}"' for c in encoded.columns)
        with conn.cursor().copy(f"COPY encoded_in_chunks ({columns}) FROM STDIN (FORMAT binary)") as copy:
            for chunk in encoded.chunks(rows_per_chunk=3):
                copy.write(chunk)
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        conn.cursor().executemany(
            f"INSERT INTO oracle VALUES ({placeholders})",
            [[_oracle_value(name, v) for name, v in zip(COLUMNS, row, strict=True)] for row in ROWS])
    comparable = ", ".join(f'"{c}"::text' if COLUMNS[c][0] == "json" else f'"{c}"' for c in COLUMNS)
    for table in ("encoded", "encoded_in_chunks"):
        for one, other in ((table, "oracle"), ("oracle", table)):
            differ = engine.query(f"SELECT {comparable} FROM {one} EXCEPT ALL SELECT {comparable} FROM {other}")
            assert differ == [], f"rows of {one} not in {other}: {differ}"


def test_the_stream_does_not_depend_on_the_chunk_size() -> None:
    frame = pl.concat([_frame()] * 50)
    encoded = BinaryCopy("t", frame, _types(frame))
    whole = b"".join(bytes(c) for c in encoded.chunks(rows_per_chunk=len(frame)))
    assert whole.startswith(b"PGCOPY\n\xff\r\n\x00") and whole.endswith(b"\xff\xff")
    for size in (1, 7, 64, 10_000):
        assert b"".join(bytes(c) for c in encoded.chunks(rows_per_chunk=size)) == whole


def test_an_empty_frame_is_a_header_and_a_trailer() -> None:
    encoded = BinaryCopy("t", _frame().clear(), _types(_frame()))
    assert b"".join(bytes(c) for c in encoded.chunks()) == b"PGCOPY\n\xff\r\n\x00" + bytes(8) + b"\xff\xff"


@pytest.mark.parametrize(("column", "data_type", "values", "error", "message"), [
    ("born", "date", ["2026-01-01"], TypeError, r"t\.born: no binary COPY form of String for PostgreSQL type date"),
    ("key", "uuid", [KEY, "not-a-uuid"], ValueError, r"t\.key, row 1: 'not-a-uuid' breaks the rule: a uuid is 36"),
    ("key", "uuid", [KEY, KEY.replace("0", "g", 1)], ValueError, r"t\.key, row 1: 'g0000000-.*' breaks the rule"),
    ("key", "uuid", [b"\x01" * 16, b"\x01" * 15], ValueError, r"t\.key, row 1: .* a binary uuid must be 16 bytes"),
    ("span", "interval", ["00:01:00", None, "1 hour"], ValueError, r"t\.span, row 2: '1 hour' breaks the rule"),
    ("tags", "text[]", [["a"]], TypeError, r"t\.tags: no binary COPY form of List\(String\)"),
])
def test_a_value_without_a_binary_form_is_named(column: str, data_type: str, values: list, error: type,
                                                message: str) -> None:
    with pytest.raises(error, match=message):
        BinaryCopy("t", pl.DataFrame({column: values}), {column: (data_type, "X")})


def test_a_column_the_table_lacks_is_named() -> None:
    with pytest.raises(KeyError, match=r"t\.extra: no such column in the table"):
        BinaryCopy("t", pl.DataFrame({"id": [1], "extra": [2]}), {"id": ("integer", "N")})
