"""Suite validations kept across runs while the rows they read are provably unchanged.

A suite that passed over a window is not validated again while the window's fingerprint equals the
one recorded at that validation, under the same suite digest. The fingerprint is the late-data one
(`builds.fingerprint`: a row count and an exact digest total, computed by the database) with a digest
that changes with any row written, whatever its columns (the late-data digest sums one numeric column,
which an update of another column leaves equal; an outcome depends on every column):

- PostgreSQL: the sum of the rows' versions, `xmin`, the transaction that wrote each row. An insert or
  an update gives its rows a new version, a delete lowers the count or the sum; VACUUM and freezing
  keep `xmin`. Rows rewritten with the same values (a reload, a restore) get new versions, so their
  suite is validated again: never a stale outcome, at the cost of a validation.
- the MySQL family (no row versions): the sum of a 64-bit hash of each row's whole content, every
  catalog column quoted.

A change outside the window does not enter its fingerprint.

What an outcome depends on beyond the window's rows is fingerprinted too:

- a table a SQL rule of the suite reads (a soft reference joins `projects`, `events` …): every contract
  table whose name is a word of a rule's text is fingerprinted whole (count and digest of all its
  rows), since a rule may read any of them. The suite's own table named in a rule (a self-join) is
  fingerprinted whole as well;
- the suite: `suite_digest` (its JSON, `VALIDATION_VERSION`, Great Expectations' release).

The fingerprint is read before the validation, so a write committed during or after the validation
makes a later fingerprint differ. A passing outcome is recorded in `validation_results` (platform
schema, one row per table and window) with its fingerprint; nothing is created, altered or dropped on
a validated table. `cockpit backfill --revalidate` (or `COCKPIT_REVALIDATE=1`) validates regardless of
a kept validation, and records the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from cockpit_pipelines.builds import fingerprint
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.engines.sqltext import quote_identifier
from cockpit_pipelines.utc import now_utc

RESULTS = "validation_results"
REVALIDATE_ENV = "COCKPIT_REVALIDATE"
# Part of every suite digest: raise it when what a kept outcome asserts changes.
VALIDATION_VERSION = "2"
_SCHEMA = {"postgresql": "current_schema()", "mysql": "DATABASE()"}
# What a fingerprint query selects of each row: its version on PostgreSQL, its content elsewhere.
ROW_COLUMNS = {"postgresql": "xmin", "mysql": "*"}


def revalidating() -> bool:
    """`COCKPIT_REVALIDATE=1`: validate every suite, take no kept outcome."""
    return os.environ.get(REVALIDATE_ENV, "").strip().lower() in {"1", "true", "yes"}


def suite_digest(suite: Mapping[str, Any]) -> str:
    """SHA-256 of the suite (its JSON, keys sorted), the validation's version and Great Expectations' release."""
    text = json.dumps(suite, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{text}\0{VALIDATION_VERSION}\0{version('great_expectations')}".encode()).hexdigest()


def rule_tables(rules: list[str]) -> list[str]:
    """The contract tables the SQL rules name (as whole words, any case)."""
    text = "\n".join(rules)
    return sorted(name for name in contracts().tables
                  if re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text, re.IGNORECASE))


def mysql_row_hash(columns: Sequence[str], alias: str) -> str:
    """MySQL family: a 64-bit hash of a row's whole content (`alias`'s `columns`, each quoted), as a DECIMAL."""
    quoted = ", ".join(f"QUOTE({alias}.{quote_identifier(name, 'mysql')})" for name in columns)
    return f"CAST(CONV(LEFT(MD5(CONCAT_WS(',', {quoted})), 16), 16, 10) AS DECIMAL(20, 0))"


def rows_fingerprint(engine: Engine, table: str, query: str) -> str:
    """`fingerprint` of the rows of `query` (which selects `ROW_COLUMNS[engine.family]` of `table`):
    their count and the exact sum of each row's version (PostgreSQL) or content hash (MySQL family)."""
    if engine.family == "postgresql":
        row_hash = "CAST(CAST(w.xmin AS text) AS bigint)"
    else:
        columns = engine.catalog_columns([table]).get(table)
        if not columns:
            raise ValueError(f"{table}: no such table in the warehouse's catalog")
        row_hash = mysql_row_hash([c.name for c in columns], "w")
    count, total = engine.query(f"SELECT COUNT(*), SUM({row_hash}) FROM ({query}) AS w")[0]
    return fingerprint(int(count), total)


@dataclass(frozen=True)
class KeptValidation:
    """A passing validation taken from `validation_results`."""

    rows: int
    evaluated: int
    validated_at: datetime


@dataclass(frozen=True)
class Ledger:
    """The kept validation of one suite over one window, and the fingerprint of what it reads now."""

    engine: Engine
    table: str
    window_key: str
    suite_digest: str
    fingerprint: str
    covers: tuple[str, ...]  # the tables fingerprinted: the validated one (its window) first

    def kept(self) -> KeptValidation | None:
        """The passing validation kept for this suite, window and fingerprint (None when revalidating)."""
        if revalidating():
            return None
        rows = self.engine.query(
            f"SELECT rows_validated, expectations, validated_at FROM {RESULTS} WHERE table_name = :t "
            "AND window_key = :w AND suite_digest = :s AND fingerprint = :f",
            {"t": self.table, "w": self.window_key, "s": self.suite_digest, "f": self.fingerprint},
        )
        if not rows:
            return None
        count, evaluated, validated_at = rows[0]
        moment = validated_at.astimezone(UTC) if validated_at.tzinfo else validated_at.replace(tzinfo=UTC)
        return KeptValidation(int(count), int(evaluated), moment)

    def keep(self, rows: int, evaluated: int) -> None:
        """Record a passing validation, replacing the window's previous one."""
        if self.engine.family == "postgresql":
            upsert = ("ON CONFLICT (table_name, window_key) DO UPDATE SET suite_digest = EXCLUDED.suite_digest, "
                      "fingerprint = EXCLUDED.fingerprint, rows_validated = EXCLUDED.rows_validated, "
                      "expectations = EXCLUDED.expectations, validated_at = EXCLUDED.validated_at")
        else:
            upsert = ("ON DUPLICATE KEY UPDATE suite_digest = VALUES(suite_digest), fingerprint = VALUES(fingerprint), "
                      "rows_validated = VALUES(rows_validated), expectations = VALUES(expectations), "
                      "validated_at = VALUES(validated_at)")
        self.engine.execute(
            f"INSERT INTO {RESULTS} (table_name, window_key, suite_digest, fingerprint, rows_validated, "
            f"expectations, validated_at) VALUES (:t, :w, :s, :f, :r, :e, :at) {upsert}",
            {"t": self.table, "w": self.window_key, "s": self.suite_digest, "f": self.fingerprint,
             "r": rows, "e": evaluated, "at": now_utc()},
        )


def open_ledger(engine: Engine, table: str, suite: Mapping[str, Any], window_key: str, query: str,
                rules: list[str]) -> Ledger | None:
    """The ledger of `table`'s suite (its JSON) over the window whose rows `query` selects (their
    `ROW_COLUMNS`), with the suite's SQL rules `rules`; None on a warehouse without `validation_results`."""
    present = engine.scalar(
        f"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = {_SCHEMA[engine.family]} "
        "AND table_name = :t", {"t": RESULTS},
    )
    if not present:
        return None
    joined = rule_tables(rules)
    parts = [(table, rows_fingerprint(engine, table, query))]
    columns = ROW_COLUMNS[engine.family]
    parts += [(name, rows_fingerprint(engine, name, f"SELECT {columns} FROM {name}")) for name in joined]
    if len(parts) == 1:
        combined = parts[0][1]
    else:
        combined = hashlib.sha256("\n".join(f"{name} {digest}" for name, digest in parts).encode()).hexdigest()
    return Ledger(engine, table, window_key, suite_digest(suite), combined, tuple(name for name, _ in parts))
