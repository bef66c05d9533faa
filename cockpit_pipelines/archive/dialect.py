"""The SQL the archiver needs, per engine family: batch keys, day/month/year units, epoch digests,
partitions and the foreign keys that point into a table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cockpit_pipelines.archive.policies import Policy
from cockpit_pipelines.archive.store import ArchiveError
from cockpit_pipelines.contracts import Table, contracts
from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.engines.sqltext import utc_bound
from cockpit_pipelines.generator.conform import insertable
from cockpit_pipelines.utc import naive_utc

KEY = "__archive_key"  # the batch key, read next to the rows when it is an expression
_BOUND = re.compile(r"FOR VALUES FROM \('([^']+)'\) TO \('([^']+)'\)")
_UNSUPPORTED = ("interval", "text[]", "inet[]")
_PG_DELETE_RULES = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


@dataclass(frozen=True)
class Partition:
    name: str
    lower: datetime
    upper: datetime


@dataclass(frozen=True)
class InboundKey:
    table: str
    constraint: str
    on_delete: str


class Dialect:
    """SQL fragments of one engine family for one policy's table."""

    def __init__(self, db: Engine, policy: Policy) -> None:
        self.db = db
        self.family = db.family
        self.policy = policy
        self.table: Table = contracts().table(policy.table)
        unsupported = [c.name for c in insertable(self.table) if c.type in _UNSUPPORTED]
        if unsupported:
            raise ArchiveError(f"{self.table.name}: columns {unsupported} have types the archive does not "
                               f"round-trip yet ({', '.join(_UNSUPPORTED)})")

    def q(self, name: str) -> str:
        return f'"{name}"' if self.family == "postgresql" else f"`{name}`"

    @property
    def key(self) -> str:
        """The batch key: the time column, or the per-row expiry `column + years years`."""
        expiry = self.policy.expiry
        if expiry is None:
            return self.q(self.policy.column)
        if self.family == "postgresql":
            return f"({self.q(expiry.column)} + make_interval(years => {self.q(expiry.years)}))"
        return f"DATE_ADD({self.q(expiry.column)}, INTERVAL {self.q(expiry.years)} YEAR)"

    @property
    def key_is_column(self) -> bool:
        return self.policy.expiry is None

    def unit(self, expr: str) -> str:
        """The first day of the policy's span (day, month, year) that `expr` falls in, as a DATE."""
        span = self.policy.span
        if self.family == "postgresql":
            return f"CAST(date_trunc('{span}', {expr}) AS date)"
        if span == "day":
            return f"DATE({expr})"
        if span == "month":
            return f"DATE_SUB(DATE({expr}), INTERVAL DAYOFMONTH({expr}) - 1 DAY)"
        return f"MAKEDATE(YEAR({expr}), 1)"

    def epoch_us(self, expr: str) -> str:
        """`expr` in exact integer microseconds since 1970-01-01 00:00 UTC."""
        if self.family == "postgresql":
            return f"(EXTRACT(EPOCH FROM {expr}) * 1000000)"
        return f"TIMESTAMPDIFF(MICROSECOND, TIMESTAMP '1970-01-01 00:00:00', {expr})"

    def in_range(self) -> str:
        """The batch key in [:start, :end) (naive UTC bounds, compared as the key's type)."""
        column = self.policy.expiry.column if self.policy.expiry else self.policy.column
        kind = self.table.column(column).type
        start, end = (utc_bound(f":{bound}", kind, self.family) for bound in ("start", "end"))
        return f"{self.key} >= {start} AND {self.key} < {end}"

    def columns(self) -> list[str]:
        """The stored columns a batch carries (generated columns are recomputed on restore)."""
        return [c.name for c in insertable(self.table)]

    def select_list(self) -> str:
        """The stored columns, as text where the Arrow reader would not give back what restore can write
        (inet) or where the server formats faster than Polars (uuid)."""
        items = []
        for column in insertable(self.table):
            name = self.q(column.name)
            if self.family == "postgresql" and column.type == "inet":
                items.append(f"abbrev({name}) AS {name}")
            elif self.family == "postgresql" and column.type == "uuid":
                items.append(f"CAST({name} AS text) AS {name}")
            else:
                items.append(name)
        if not self.key_is_column:
            items.append(f"{self.key} AS {KEY}")
        return ", ".join(items)

    def identity(self) -> list[str]:
        """The columns that identify a row: the primary key, or every stored column without one."""
        return list(self.table.primary_key) or self.columns()

    # --- catalog ---------------------------------------------------------------------------------

    def droppable_partitions(self, cutoff: datetime) -> list[Partition]:
        """Range partitions on the policy's column whose whole range lies before `cutoff` (PostgreSQL)."""
        if self.family != "postgresql" or not self.key_is_column:
            return []
        if self.db.partition_key(self.table.name) != self.policy.column:
            return []
        rows = self.db.query(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = :t AND p.relnamespace = current_schema()::regnamespace ORDER BY c.relname",
            {"t": self.table.name},
        )
        found = []
        for name, bound in rows:
            match = _BOUND.match(bound or "")
            if not match or "MINVALUE" in bound or "MAXVALUE" in bound:
                continue
            lower, upper = (naive_utc(datetime.fromisoformat(v)) for v in match.groups())
            if upper <= cutoff:
                found.append(Partition(name, lower, upper))
        return found

    def inbound_keys(self) -> list[InboundKey]:
        """Foreign keys of other tables that reference this table."""
        if self.family == "postgresql":
            rows = self.db.query(
                "SELECT conrelid::regclass::text, conname, confdeltype FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = to_regclass(:t) AND conparentid = 0",
                {"t": self.table.name},
            )
            return [InboundKey(t, c, _PG_DELETE_RULES.get(r, r)) for t, c, r in rows if t != self.table.name]
        rows = self.db.query(
            "SELECT table_name, constraint_name, LOWER(delete_rule) FROM information_schema.referential_constraints "
            "WHERE constraint_schema = DATABASE() AND referenced_table_name = :t",
            {"t": self.table.name},
        )
        return [InboundKey(t, c, r) for t, c, r in rows if t != self.table.name]

