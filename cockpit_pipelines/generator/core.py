"""Vectorized building blocks of the generator: seeded streams, ids, times, choices and JSON text.

Every random draw comes from a numpy Generator seeded by `(seed, *keys)` through a SeedSequence, so a
table's rows for a day depend only on the seed, the table, the day and the scale, never on the order
in which days or tables are generated. Nothing here loops over rows in Python.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pyarrow as pa

US_PER_DAY = 86_400_000_000
EPOCH = datetime(1970, 1, 1)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# Share of a day's traffic per UTC hour: a working-day curve peaking around 14:00 UTC.
HOURLY_PROFILE = np.array(
    [2, 1.5, 1.2, 1, 1, 1.3, 2, 3, 4.5, 5.5, 6, 6.3, 6.5, 6.8, 7, 6.8, 6.3, 5.8, 5, 4.3, 3.8, 3.3, 2.8, 2.4]
)
HOURLY_PROFILE = HOURLY_PROFILE / HOURLY_PROFILE.sum()


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """An independent random stream for `(seed, *keys)`; strings are keyed by their CRC-32."""
    entropy = [seed] + [zlib.crc32(k.encode()) if isinstance(k, str) else int(k) for k in keys]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def uuids(rng: np.random.Generator, n: int, name: str = "id") -> pl.Series:
    """`n` version-4 UUIDs as text, drawn from `rng` (vectorized: one Arrow buffer, no Python loop)."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.empty((n, 32), dtype=np.uint8)
    nibbles[:, 0::2] = _HEX[raw >> 4]
    nibbles[:, 1::2] = _HEX[raw & 0x0F]
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    for lo, hi, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        text[:, at : at + hi - lo] = nibbles[:, lo:hi]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    array = pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(text.tobytes()))
    return pl.Series(name, array)


def hex_strings(rng: np.random.Generator, n: int, length: int, name: str) -> pl.Series:
    """`n` random lowercase hex strings of `length` characters (hashes, commit shas)."""
    nibbles = _HEX[rng.integers(0, 16, size=(n, length), dtype=np.uint8)]
    offsets = np.arange(0, length * (n + 1), length, dtype=np.int32)
    array = pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(nibbles.tobytes()))
    return pl.Series(name, array)


def day_start_us(day: date) -> int:
    return (day - EPOCH.date()).days * US_PER_DAY


def as_datetime(micros: np.ndarray, name: str) -> pl.Series:
    """Microseconds since the epoch → naive UTC `Datetime("us")`."""
    return pl.Series(name, micros.astype(np.int64)).cast(pl.Datetime("us"))


def times_in_day(rng: np.random.Generator, n: int, day: date, name: str = "time", *, diurnal: bool = True) -> pl.Series:
    """`n` sorted instants in the UTC day, following the hourly traffic curve."""
    if diurnal:
        hours = rng.choice(24, size=n, p=HOURLY_PROFILE).astype(np.int64)
        offset = hours * 3_600_000_000 + rng.integers(0, 3_600_000_000, size=n)
    else:
        offset = rng.integers(0, US_PER_DAY, size=n)
    return as_datetime(np.sort(day_start_us(day) + offset), name)


def clip_to_day(micros: np.ndarray, day: date) -> np.ndarray:
    """Keep instants inside the day `[day, day + 1)`."""
    start = day_start_us(day)
    return np.clip(micros, start, start + US_PER_DAY - 1)


def choose(rng: np.random.Generator, values: Sequence, n: int, p: Sequence[float] | None = None,
           name: str = "value", dtype: pl.DataType | None = None) -> pl.Series:
    """`n` draws from `values` with probabilities `p` (normalized)."""
    probs = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    index = rng.choice(len(values), size=n, p=probs)
    return pl.Series(name, list(values), dtype=dtype).gather(index)


def constant(value: object, n: int, name: str, dtype: pl.DataType | None = None) -> pl.Series:
    """`n` copies of `value`."""
    return pl.select(pl.repeat(pl.lit(value, dtype=dtype), n).alias(name)).to_series()


def with_nulls(series: pl.Series, rng: np.random.Generator, share: float) -> pl.Series:
    """`series` with about `share` of its values set to NULL."""
    mask = pl.Series(rng.random(series.len()) < share)
    return pl.select(pl.when(mask).then(None).otherwise(series).alias(series.name)).to_series()


def lognormal_int(rng: np.random.Generator, n: int, median: float, sigma: float, lo: int = 0,
                  hi: int = 2_000_000_000) -> np.ndarray:
    """Long-tailed positive integers around `median`."""
    return np.clip(np.rint(rng.lognormal(np.log(median), sigma, size=n)), lo, hi).astype(np.int64)


def counts(base: float, scale: float, day: date, minimum: int = 1) -> int:
    """Rows for a day: `base x scale`, a little lower at weekends, deterministic for the day."""
    weekday = 0.7 if day.weekday() >= 5 else 1.0
    return max(minimum, round(base * scale * weekday))


def json_array(parent: np.ndarray, elements: pl.Series, n: int, name: str) -> pl.Series:
    """JSON array text per row: `elements` (JSON text) belong to rows `parent`; rows without any get `[]`."""
    grouped = (
        pl.DataFrame({"row": parent.astype(np.int64), "element": elements})
        .group_by("row", maintain_order=True)
        .agg(pl.col("element").str.join(","))
    )
    full = pl.DataFrame({"row": np.arange(n, dtype=np.int64)}).join(grouped, on="row", how="left")
    return full.select(
        pl.concat_str([pl.lit("["), pl.col("element").fill_null(""), pl.lit("]")]).alias(name)
    ).to_series()


def json_string(expr: pl.Expr) -> pl.Expr:
    """A string expression as a JSON string literal (quotes and backslashes escaped)."""
    escaped = expr.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    return pl.concat_str([pl.lit('"'), escaped, pl.lit('"')])


def fixed_instant(rng: np.random.Generator, n: int, start: datetime, end: datetime, name: str) -> pl.Series:
    """`n` instants uniformly in [start, end) (reference rows: independent of the generated days)."""
    lo = int((start - EPOCH) / timedelta(microseconds=1))
    hi = int((end - EPOCH) / timedelta(microseconds=1))
    return as_datetime(rng.integers(lo, hi, size=n), name)
