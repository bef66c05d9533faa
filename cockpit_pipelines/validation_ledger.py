"""Suite validations kept across runs: a suite that passed over a window is not validated again while
none of the rows it read can have changed (PostgreSQL).

What a suite reads is asked of the planner: `EXPLAIN` of the window's query and of each SQL rule
names the relations scanned (the window's partitions, the tables a rule joins); with the ancestors of
those partitions, they are the relations tracked. Each gets the statement trigger
`cockpit_track_changes` (ENABLE ALWAYS, created when first needed), which logs every transaction that
writes the relation in `table_changes` (migration 0063). The fingerprint of a window digests, for each
relation: its OID and catalog row version (DDL, ATTACH and DETACH, a rewrite), its file, its columns,
its trigger (present, enabled always, and that row's version, so that disabling it and enabling it
again shows) and the count and newest of its logged transactions. It is read before the validation,
so a write committed during or after the validation changes a later fingerprint.

A passing outcome is kept in `validation_results` under the suite's digest and that fingerprint, and
the next validation of the same window takes it when both still match. A relation that cannot be
tracked (no right to create the trigger, a lock not granted in time) and the MySQL family (no
statement triggers) are validated every time. The log sees what goes through SQL: a write with the
trigger disabled shows, but one by a superuser with `session_replication_role` and the trigger's
`ENABLE ALWAYS` both set aside, or by logical replication's apply worker, does not; `cockpit backfill
--revalidate` (or `COCKPIT_REVALIDATE=1`) validates regardless.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from cockpit_pipelines.engines import Engine
from cockpit_pipelines.engines.sqltext import quote_identifier, sql_literal

TRIGGER = "cockpit_track_changes"
RESULTS = "validation_results"
CHANGES = "table_changes"
REVALIDATE_ENV = "COCKPIT_REVALIDATE"
LOCK_TIMEOUT = "2s"  # creating a trigger waits this long for writers of the table, then gives up
# Part of every suite digest: raise it when what a kept outcome asserts changes.
VALIDATION_VERSION = "1"


def revalidating() -> bool:
    """`COCKPIT_REVALIDATE=1`: validate every suite, take no kept outcome."""
    return os.environ.get(REVALIDATE_ENV, "").strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class KeptValidation:
    """A passing validation taken from `validation_results`."""

    rows: int
    evaluated: int
    validated_at: datetime


@dataclass(frozen=True)
class Ledger:
    """The kept validation of one suite over one window, and what it was read from."""

    engine: Engine
    table: str
    window_key: str
    suite_digest: str
    fingerprint: str

    def kept(self) -> KeptValidation | None:
        """The passing validation kept for this suite, window and fingerprint, if any."""
        rows = self.engine.query(
            f"SELECT rows_validated, expectations, validated_at FROM {RESULTS} WHERE table_name = :t "
            "AND window_key = :w AND suite_digest = :s AND fingerprint = :f",
            {"t": self.table, "w": self.window_key, "s": self.suite_digest, "f": self.fingerprint},
        )
        if not rows:
            return None
        count, evaluated, validated_at = rows[0]
        return KeptValidation(int(count), int(evaluated), validated_at.astimezone(UTC))

    def keep(self, rows: int, evaluated: int) -> None:
        """Record a passing validation (replacing the window's previous one); forget the log of dropped
        relations (a live relation's entries stay: its fingerprints count them)."""
        self.engine.execute(f"DELETE FROM {CHANGES} x WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = x.relid)")
        self.engine.execute(
            f"INSERT INTO {RESULTS} (table_name, window_key, suite_digest, fingerprint, rows_validated, "
            "expectations, validated_at) VALUES (:t, :w, :s, :f, :r, :e, now()) ON CONFLICT (table_name, "
            "window_key) DO UPDATE SET suite_digest = EXCLUDED.suite_digest, fingerprint = EXCLUDED.fingerprint, "
            "rows_validated = EXCLUDED.rows_validated, expectations = EXCLUDED.expectations, "
            "validated_at = EXCLUDED.validated_at",
            {"t": self.table, "w": self.window_key, "s": self.suite_digest, "f": self.fingerprint,
             "r": rows, "e": evaluated},
        )


def open_ledger(engine: Engine, table: str, suite: Mapping[str, Any], window_key: str,
                queries: Sequence[str]) -> Ledger | None:
    """The ledger of `table`'s suite (its JSON) over a window whose validation runs `queries`; None where
    its outcome cannot be kept (see the module docstring)."""
    if engine.family != "postgresql" or revalidating():
        return None
    if engine.scalar("SELECT to_regclass(:t) IS NOT NULL", {"t": RESULTS}) is not True:
        return None  # a warehouse migrated before 0063
    relations = tracked_relations(engine, queries)
    if not relations or not track(engine, relations):
        return None
    fingerprint = relations_fingerprint(engine, relations)
    if fingerprint is None:
        return None
    return Ledger(engine, table, window_key, suite_digest(suite), fingerprint)


def suite_digest(suite: Mapping[str, Any]) -> str:
    """SHA-256 of the suite (its JSON, keys sorted), the validation's version and Great Expectations' release."""
    text = json.dumps(suite, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{text}\0{VALIDATION_VERSION}\0{version('great_expectations')}".encode()).hexdigest()


def tracked_relations(engine: Engine, queries: Iterable[str]) -> dict[int, str]:
    """OID → qualified name of each relation the queries scan, and of the partitioned tables above them."""
    names = sorted({name for query in queries for name in scanned(engine, query)})
    if not names:
        return {}
    rows = engine.query(
        "SELECT DISTINCT r.relid::bigint, r.relid::regclass::text FROM unnest(CAST(:names AS text[])) AS n(name) "
        "CROSS JOIN LATERAL (SELECT to_regclass(n.name) AS relid UNION "
        "SELECT a.relid FROM pg_partition_ancestors(to_regclass(n.name)) AS a) AS r WHERE r.relid IS NOT NULL",
        {"names": names},
    )
    return {int(oid): name for oid, name in rows}


def scanned(engine: Engine, query: str) -> set[str]:
    """The schema-qualified relations the plan of `query` scans (views are expanded by the planner)."""
    plan = engine.scalar(f"EXPLAIN (FORMAT JSON, VERBOSE) {query}")
    return {f"{quote_identifier(node['Schema'], 'postgresql')}.{quote_identifier(node['Relation Name'], 'postgresql')}"
            for node in _plan_nodes(json.loads(plan) if isinstance(plan, str) else plan)
            if "Relation Name" in node}


def _plan_nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _plan_nodes(item)


def track(engine: Engine, relations: dict[int, str]) -> bool:
    """Make sure every relation has the change trigger, enabled always; False when one cannot get it."""
    rows = engine.query(
        "SELECT c.oid::bigint FROM pg_class c WHERE c.oid = ANY(CAST(:oids AS oid[])) AND NOT EXISTS "
        "(SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = :trigger AND t.tgenabled = 'A')",
        {"oids": list(relations), "trigger": TRIGGER},
    )
    literal = sql_literal(engine.scalar("SELECT current_schema()"), "postgresql")  # where the log is
    for (oid,) in rows:
        name = relations[int(oid)]
        try:
            with engine.transaction() as conn:
                conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                conn.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {name}")
                conn.execute(f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {name} "
                             f"FOR EACH STATEMENT EXECUTE FUNCTION cockpit_note_change({literal})")
                conn.execute(f"ALTER TABLE {name} ENABLE ALWAYS TRIGGER {TRIGGER}")
        except Exception:  # not the table's owner, or its writers held it past the lock timeout
            return False
    return True


def relations_fingerprint(engine: Engine, relations: dict[int, str]) -> str | None:
    """The digest of the relations' state (module docstring); None when one of them is not tracked."""
    rows = engine.query(
        "SELECT c.oid::bigint, c.xmin::text, c.relfilenode::bigint, t.oid::bigint, t.xmin::text, t.tgenabled::text, "
        "(SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || "
        "CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY a.attnum) FROM pg_attribute a "
        "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), "
        f"(SELECT count(*) FROM {CHANGES} x WHERE x.relid = c.oid), "
        f"(SELECT max(x.xact) FROM {CHANGES} x WHERE x.relid = c.oid) "
        "FROM pg_class c LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgname = :trigger "
        "WHERE c.oid = ANY(CAST(:oids AS oid[])) ORDER BY c.oid",
        {"oids": list(relations), "trigger": TRIGGER},
    )
    if len(rows) != len(relations) or any(row[5] != "A" for row in rows):
        return None
    return hashlib.sha256(json.dumps([list(map(str, row)) for row in rows]).encode()).hexdigest()
