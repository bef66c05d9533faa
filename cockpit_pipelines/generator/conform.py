"""Shape generated frames to a table's contract: column order, Polars types, unmodelled columns filled.

Generators model the columns that carry meaning; every other contract column is filled here from its
type, `values`, `min`/`max`, `default` and `references`, so the generator keeps up with the schema.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from cockpit_pipelines.contracts import Column, Table
from cockpit_pipelines.generator.core import (
    choose,
    constant,
    fixed_instant,
    hex_strings,
    json_string,
    stream,
    uuids,
)
from cockpit_pipelines.generator.reference import REF_END, REF_START, Reference

_SIZED = re.compile(r"^(varchar|char|numeric|bytes)\((\d+)(?:,\s*(\d+))?\)$")
_INTEGERS = {"smallint": pl.Int16, "integer": pl.Int32, "bigint": pl.Int64}
_NULL_SHARE = 0.2  # nullable columns the generator does not model: this share stays NULL


def polars_type(col: Column) -> pl.DataType:
    """The Polars type a column's values have in generated frames and landing files."""
    t = col.type
    if t in _INTEGERS:
        return _INTEGERS[t]()
    if m := _SIZED.match(t):
        kind, size, scale = m.groups()
        if kind == "numeric":
            return pl.Decimal(int(size), int(scale or 0))
        if kind == "bytes":
            return pl.Binary()
        return pl.String()
    return {
        "double": pl.Float64(),
        "boolean": pl.Boolean(),
        "timestamptz": pl.Datetime("us"),
        "timestamp": pl.Datetime("us"),
        "date": pl.Date(),
        "text[]": pl.List(pl.String),
        "inet[]": pl.List(pl.String),
    }.get(t, pl.String())


def max_length(col: Column) -> int | None:
    """The character limit of varchar(n)/char(n) columns."""
    m = _SIZED.match(col.type)
    return int(m.group(2)) if m and m.group(1) in ("varchar", "char") else None


def insertable(table: Table) -> list[Column]:
    """The columns a loader writes (generated columns are computed by the database)."""
    return [c for c in table.columns if not c.generated]


def conform(table: Table, frame: pl.DataFrame, ref: Reference, seed: int, day: date | None) -> pl.DataFrame:
    """`frame` with exactly the table's insertable columns, in order, cast to their Polars types."""
    rng = stream(seed, "fill", table.name, day.toordinal() if day else 0)
    n = frame.height
    columns = []
    for col in insertable(table):
        series = frame[col.name] if col.name in frame.columns else fill(col, n, rng, ref, day)
        columns.append(_cast(series, col))
    return pl.DataFrame(columns)


def _cast(series: pl.Series, col: Column) -> pl.Series:
    target = polars_type(col)
    if series.dtype == target:
        return series.alias(col.name)
    if isinstance(target, pl.Decimal) and series.dtype.is_float():
        series = series.round(target.scale)
    return series.cast(target).alias(col.name)


def fill(col: Column, n: int, rng: np.random.Generator, ref: Reference, day: date | None) -> pl.Series:
    """Values for a column the generator does not model, following its contract: nullable references
    stay NULL, other nullable columns are NULL a fifth of the time."""
    if col.nullable and col.references:
        return constant(None, n, col.name, polars_type(col))
    if col.nullable and col.default is None:
        values = _values(col, n, rng, ref, day)
        mask = pl.Series(rng.random(n) < _NULL_SHARE)
        return pl.select(pl.when(mask).then(None).otherwise(values)).to_series().alias(col.name)
    return _values(col, n, rng, ref, day)


def _values(col: Column, n: int, rng: np.random.Generator, ref: Reference, day: date | None) -> pl.Series:
    name = col.name
    if col.references:
        table, column = col.references.split(".", 1)
        pool = ref.keys(table, column)
        return pool.gather(rng.integers(0, pool.len(), size=n)).alias(name)
    if col.values:
        return choose(rng, list(col.values), n, name=name, dtype=polars_type(col))
    if col.default is not None and not sql_function(col.default):
        return constant(default_value(col), n, name).cast(polars_type(col))
    t = col.type
    if t == "uuid":
        return uuids(rng, n, name)
    if t in _INTEGERS or t == "double" or t.startswith("numeric"):
        lo = col.min if col.min is not None else 0
        hi = col.max if col.max is not None else lo + 1000
        target = polars_type(col)
        if isinstance(target, pl.Decimal):  # stay inside numeric(p, s)
            hi = min(hi, 10 ** (target.precision - target.scale) - 1)
        draws = rng.uniform(lo, hi, size=n)
        return pl.Series(name, np.floor(draws) if t in _INTEGERS else draws)
    if t == "boolean":
        return pl.Series(name, rng.random(n) < 0.5)
    if t in ("timestamp", "timestamptz", "date"):
        if day is None:
            series = fixed_instant(rng, n, REF_START, REF_END, name)
        else:
            start = datetime.combine(day, datetime.min.time())
            series = fixed_instant(rng, n, start, start + timedelta(days=1), name)
        return series.dt.date() if t == "date" else series
    if t == "json":
        return constant("{}", n, name)
    if t in ("text[]", "inet[]"):
        return constant([], n, name, pl.List(pl.String))
    if t == "inet":
        return constant("10.0.0.1", n, name)
    if t == "interval":
        return constant("00:05:00", n, name)
    if t.startswith("bytes"):
        return constant(b"", n, name, pl.Binary)
    limit = max_length(col) or 40
    text = hex_strings(rng, n, min(limit, 12), name)
    return (name[: max(0, limit - 13)] + "-" + text).str.slice(0, limit) if limit > 13 else text


def sql_function(default: object) -> bool:
    """A default only the database can apply (now(), gen_random_uuid(), CURRENT_TIMESTAMP …)."""
    return isinstance(default, str) and ("(" in default or default.upper().startswith("CURRENT_"))


def default_value(col: Column) -> object:
    """A contract default as a frame value: JSON defaults (YAML mappings/lists) as JSON text."""
    if col.type == "json" and not isinstance(col.default, str):
        return json.dumps(col.default)
    return col.default


def for_engine(frame: pl.DataFrame, family: str) -> pl.DataFrame:
    """Arrays as text, which CSV can carry: PostgreSQL array literals for `postgresql`, JSON arrays
    otherwise (the MySQL family stores text[] as JSON; CSV landing files use JSON too)."""
    open_, close = ("{", "}") if family == "postgresql" else ("[", "]")
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            quoted = pl.col(name).list.eval(json_string(pl.element())).list.join(",")
            exprs.append(pl.concat_str([pl.lit(open_), quoted, pl.lit(close)]).alias(name))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)
