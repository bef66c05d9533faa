"""Instants and days in naive UTC: the one place the code converts them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import polars as pl
import pytest

from cockpit_pipelines.utc import day_range, naive_utc, naive_utc_column, parse_instant


def test_an_aware_instant_becomes_naive_utc_and_a_naive_one_is_taken_as_utc() -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    assert naive_utc(datetime(2026, 3, 31, 5, 30, tzinfo=kolkata)) == datetime(2026, 3, 31, 0, 0)
    assert naive_utc(datetime(2026, 3, 31, 5, 30)) == datetime(2026, 3, 31, 5, 30)
    assert parse_instant("2026-03-31T05:30:00+05:30") == datetime(2026, 3, 31, 0, 0)
    assert parse_instant("") is None


def test_a_zoned_column_becomes_naive_utc() -> None:
    zoned = pl.Series([datetime(2026, 3, 31, 9, 0)]).dt.replace_time_zone("Asia/Tokyo")
    assert naive_utc_column(zoned).to_list() == [datetime(2026, 3, 31, 0, 0)]


def test_a_day_range_is_two_iso_days_in_order() -> None:
    assert day_range("2026-01-01", "2026-01-31") == (date(2026, 1, 1), date(2026, 1, 31))
    assert day_range("2026-01-01", "2026-01-01") == (date(2026, 1, 1), date(2026, 1, 1))
    with pytest.raises(ValueError, match="must be YYYY-MM-DD"):
        day_range("2026-13-01", "2026-01-31")
    with pytest.raises(ValueError, match="--end 2026-01-01 is before --start 2026-01-05"):
        day_range("2026-01-05", "2026-01-01")
