"""Instants in naive UTC: how the warehouse stores and compares every timestamp."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TypeVar

import polars as pl

Column = TypeVar("Column", pl.Series, pl.Expr)


def naive_utc(moment: datetime) -> datetime:
    """`moment` as a naive UTC datetime (a naive one is taken as UTC already)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def now_utc() -> datetime:
    """The wall clock in naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def today_utc() -> date:
    """The current UTC day."""
    return datetime.now(UTC).date()


def parse_instant(value: str | None) -> datetime | None:
    """An ISO instant in naive UTC (naive means UTC); None when empty."""
    return naive_utc(datetime.fromisoformat(value)) if value else None


def day_range(start: str, end: str) -> tuple[date, date]:
    """The UTC days `start` to `end` (YYYY-MM-DD, inclusive); ValueError naming the rule they break."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise ValueError(f"--start/--end must be YYYY-MM-DD: {exc}") from None
    if last < first:
        raise ValueError(f"--end {last} is before --start {first}")
    return first, last


def naive_utc_column(column: Column) -> Column:
    """A time-zone-aware Polars datetime column (Series or expression) as naive UTC."""
    return column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
