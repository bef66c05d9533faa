"""PostgreSQL reads through ADBC: every type comes back as the project's Polars type, numeric at its
column's precision and scale (which the driver does not report), uuids as text or 16 bytes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import polars as pl

from cockpit_pipelines.engines import engine_for

ID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
QUERY = f"""
    SELECT 12.5::numeric(10,4) AS price, NULL::numeric(8,2) AS missing, sum(x)::numeric AS total,
           '{ID}'::uuid AS id, '{{"a": 1}}'::jsonb AS doc, '{{"b":2}}'::json AS raw_doc,
           '2026-03-30 01:02:03+09'::timestamptz AS at, '2026-03-30 01:02:03'::timestamp AS local_at,
           '1 day 02:00'::interval AS span, 7::int4 AS n, 'x'::varchar(5) AS code
    FROM (VALUES (1.25), (2.5)) AS v(x)
"""


def test_every_type_reads_as_the_projects_polars_type(postgres_url: str) -> None:
    engine = engine_for(postgres_url)
    frame = engine.read_frame(QUERY)
    assert frame.schema == pl.Schema({
        "price": pl.Decimal(10, 4), "missing": pl.Decimal(8, 2), "total": pl.Decimal(38, 12),
        "id": pl.String, "doc": pl.String, "raw_doc": pl.String, "at": pl.Datetime("us"),
        "local_at": pl.Datetime("us"), "span": pl.Duration("us"), "n": pl.Int32, "code": pl.String,
    })
    assert frame.row(0) == (Decimal("12.5000"), None, Decimal("3.75"), str(ID), '{"a": 1}', '{"b":2}',
                            datetime(2026, 3, 29, 16, 2, 3), datetime(2026, 3, 30, 1, 2, 3),
                            timedelta(days=1, hours=2), 7, "x")
    assert engine.read_frame(QUERY, binary_uuids=True)["id"].to_list() == [ID.bytes]


def test_a_frame_reader_reads_numeric_at_its_scale(postgres_url: str) -> None:
    engine = engine_for(postgres_url)
    with engine.frame_reader() as read:
        frame = read("SELECT 1.5::numeric(6,3) AS price, 2::int8 AS n", None)
    assert frame.schema == pl.Schema({"price": pl.Decimal(6, 3), "n": pl.Int64})
    assert frame.row(0) == (Decimal("1.500"), 2)
