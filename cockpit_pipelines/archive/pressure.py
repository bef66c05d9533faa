"""Retention pressure: tables that hold more rows, or older rows, than their policy's thresholds allow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cockpit_pipelines.archive.dialect import Dialect
from cockpit_pipelines.archive.policies import Policy
from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.utc import naive_utc, now_utc


@dataclass(frozen=True)
class Reading:
    table: str
    rows: int  # the catalog's estimate (an exact count when there is none yet)
    oldest: datetime | None  # the smallest batch key (the oldest row, or the earliest expiry)
    reasons: tuple[str, ...]

    @property
    def over(self) -> bool:
        return bool(self.reasons)


def read_pressure(engine: Engine, policies: list[Policy], now: datetime | None = None) -> list[Reading]:
    """One reading per enabled policy with a `pressure` threshold (`now`: naive UTC, default the clock)."""
    now = naive_utc(now) if now else now_utc()
    readings = []
    for policy in policies:
        limits = policy.pressure
        if not policy.enabled or (limits.max_rows is None and limits.max_age is None):
            continue
        d = Dialect(engine, policy)
        rows = estimated_rows(engine, policy.table) if limits.max_rows is not None else 0
        oldest = engine.scalar(f"SELECT MIN({d.key}) FROM {policy.table}") if limits.max_age is not None else None
        oldest = naive_utc(oldest) if isinstance(oldest, datetime) else None
        reasons = []
        if limits.max_rows is not None and rows > limits.max_rows:
            reasons.append(f"{rows:,} rows > max_rows {limits.max_rows:,}")
        if limits.max_age is not None and oldest is not None and oldest < limits.max_age.before(now):
            what = policy.column or "expiry"
            reasons.append(f"oldest {what} {oldest:%Y-%m-%d %H:%M} is older than max_age {limits.max_age}")
        readings.append(Reading(policy.table, rows, oldest, tuple(reasons)))
    return readings


def estimated_rows(engine: Engine, table: str) -> int:
    """Rows of `table` from the catalog statistics (the sum over its partitions); exact when never analyzed."""
    if engine.family == "postgresql":
        estimate, unknown = engine.query(
            "SELECT COALESCE(SUM(GREATEST(c.reltuples, 0)), 0), COALESCE(BOOL_OR(c.reltuples < 0), FALSE) "
            "FROM pg_class c WHERE c.relkind = 'r' AND (c.oid = to_regclass(:t) OR c.oid IN "
            "(SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(:t)))",
            {"t": table},
        )[0]
    else:
        estimate = engine.scalar(
            "SELECT table_rows FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = :t",
            {"t": table},
        )
        unknown = estimate is None
    if unknown:
        return int(engine.scalar(f"SELECT COUNT(*) FROM {table}"))
    return int(estimate)

