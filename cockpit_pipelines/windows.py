"""Windows of time in naive UTC: a range of daily partitions, and the spans one read fetches.

Imports no Dagster (the suites' validation runs without it).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from cockpit_pipelines.utc import naive_utc

if TYPE_CHECKING:
    import dagster as dg

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Span:
    """[start, end) in naive UTC: the rows one read fetches (a window, or a part of one)."""

    start: datetime
    end: datetime

    def params(self) -> dict[str, datetime]:
        return {"start": self.start, "end": self.end}

    def split(self, parts: int) -> list[Span]:
        """Up to `parts` consecutive spans of about equal length, on hour boundaries, covering this one."""
        step = (self.end - self.start) / max(parts, 1)
        inner = {self.start + HOUR * ((step * i) // HOUR) for i in range(1, parts)} - {self.start}
        bounds = [self.start, *sorted(inner), self.end]
        return [Span(lo, hi) for lo, hi in itertools.pairwise(bounds)]


@dataclass(frozen=True)
class Window(Span):
    """[start, end) in naive UTC, on day boundaries (a range of daily partitions)."""

    def __str__(self) -> str:
        return f"[{self.start.isoformat(sep=' ')}, {self.end.isoformat(sep=' ')})"

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if moment.tzinfo is not None or moment.time() != time(0):
                raise ValueError(f"window bounds must be naive UTC midnights, got {moment!r}")
        if self.end <= self.start:
            raise ValueError(f"empty window [{self.start}, {self.end})")

    @classmethod
    def from_context(cls, context: dg.AssetExecutionContext) -> Window:
        """The run's partition window (one day, or a range in a single-run backfill)."""
        window = context.partition_time_window
        return cls(naive_utc(window.start), naive_utc(window.end))

    @classmethod
    def of_days(cls, first: date, last: date) -> Window:
        """The days first..last, inclusive."""
        return cls(datetime.combine(first, time(0)), datetime.combine(last, time(0)) + DAY)

    @property
    def days(self) -> list[date]:
        return [(self.start + DAY * i).date() for i in range((self.end - self.start) // DAY)]

    def day_chunks(self) -> list[Window]:
        """One window per day: the unit that is read, computed and written at a time."""
        return [Window(self.start + DAY * i, self.start + DAY * (i + 1)) for i in range(len(self.days))]

    def chunk_from(self, start: datetime, days: int) -> Window:
        """Up to `days` days from `start` (a day of the window), not past the window's end nor into the
        next calendar month (the raw tables are partitioned by month: a chunk reads one partition)."""
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        return Window(start, min(start + DAY * max(days, 1), self.end, following))

    def month_chunks(self) -> list[Window]:
        """Every whole calendar month the window touches."""
        months = []
        month = self.start.replace(day=1)
        while month < self.end:
            following = (month + timedelta(days=32)).replace(day=1)
            months.append(Window(month, following))
            month = following
        return months

    def widen_to_months(self) -> Window:
        """The whole calendar months the window touches (for tables with one row per month)."""
        months = self.month_chunks()
        return Window(months[0].start, months[-1].end)

    def date_params(self) -> dict[str, date]:
        return {"start": self.start.date(), "end": self.end.date()}
