"""The `partition_builds` ledger's fingerprints: which raw rows each analytics asset reads, and how a
day of them is digested. The assets record a build's fingerprints, the late-data sensor compares them
with the raw tables, and the archiver deletes a day only once its rollups were built from exactly its rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import dagster as dg

from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.engines.sqltext import utc_bound

PARTITION_BUILDS = "partition_builds"


@dataclass(frozen=True)
class RawSource:
    """The raw rows an asset reads, and how a day of them is fingerprinted for the late-data sensor."""

    table: str
    time_column: str
    digest_column: str | None = None  # a numeric column whose daily sum enters the fingerprint
    where: str = ""  # extra filter the asset reads with (SQL, `:name` parameters from `params`)
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> dg.AssetKey:
        """The raw table's external asset (declared by assets/raw.py)."""
        return dg.AssetKey(["raw", self.table])

    def filter_sql(self, family: str) -> str:
        """`time_column` in [:start, :end) (naive UTC, compared as the column's type), plus the extra filter."""
        column_type = contracts().table(self.table).column(self.time_column).type
        start, end = (utc_bound(f":{bound}", column_type, family) for bound in ("start", "end"))
        condition = f"{self.time_column} >= {start} AND {self.time_column} < {end}"
        return condition + (f" AND {self.where}" if self.where else "")

    def stats_sql(self, family: str) -> str:
        """Per UTC day in [:start, :end): partition_date, source_rows, digest_total (for `fingerprint`).

        Run it through a UTC session with `params` plus start/end.
        """
        day = f"CAST({self.time_column} AS DATE)"
        total = f"SUM({self.digest_column})" if self.digest_column else "NULL"
        return (
            f"SELECT {day} AS partition_date, COUNT(*) AS source_rows, {total} AS digest_total "
            f"FROM {self.table} WHERE {self.filter_sql(family)} GROUP BY {day}"
        )


def fingerprint(rows: int, total: int | Decimal | None) -> str:
    """sha256 of "rows:total" (total as plain decimal text, 0 when null): equal for equal raw days."""
    number = Decimal(0 if total is None else total).normalize()
    return hashlib.sha256(f"{int(rows)}:{number:f}".encode()).hexdigest()


EMPTY_DAY = fingerprint(0, None)

# The raw tables the analytics assets read (each asset's ledger rows fingerprint one of them).
DIALOGUES = RawSource("ai_dialogue_log", "created_at", digest_column="total_tokens")
USAGE_EVENTS = RawSource("usage_events", "time", digest_column="cost_cents")
TOKEN_USAGE = RawSource("token_usage", "timestamp", digest_column="total_cost")
METRICS_BUCKET = timedelta(minutes=5)
METRICS = RawSource("metrics", "timestamp", digest_column="value_count", where="time_bucket = :source_bucket",
                    params={"source_bucket": METRICS_BUCKET})
VIOLATIONS = RawSource("metadata_violations", "detected_at")
SYNC_BUFFER = RawSource("sync_buffer", "created_at")
CLOCK_SYNC = RawSource("clock_sync_status", "last_sync_at", digest_column="offset_microseconds")
SOURCES: tuple[RawSource, ...] = (DIALOGUES, USAGE_EVENTS, TOKEN_USAGE, METRICS, VIOLATIONS, SYNC_BUFFER, CLOCK_SYNC)
