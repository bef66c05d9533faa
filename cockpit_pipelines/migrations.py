"""Versioned SQL migrations with checksums, an exclusive lock and a dirty state (Flyway/sqitch-style).

- Applied versions are recorded in `cockpit_schema_history` with the SHA-256 of their file. An applied
  file that was edited afterwards is refused, naming the file.
- One exclusive lock (`pg_advisory_lock` / `GET_LOCK`) serializes runners, so concurrent runs apply
  each migration exactly once.
- PostgreSQL: each migration's DDL and its history row commit in one transaction.
- MySQL family (no transactional DDL): the history row is written as `dirty` first and counts the
  statements applied; a failure leaves it dirty, which blocks later runs until `cockpit migrate repair`.
"""

from __future__ import annotations

import getpass
import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.engines.sqltext import Statement, split_header, split_statements
from cockpit_pipelines.progress import Log
from cockpit_pipelines.settings import SQL_DIR, package_files

HISTORY_TABLE = "cockpit_schema_history"
LOCK_NAME = "cockpit_migrate"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.up\.sql$")



class MigrationError(RuntimeError):
    """A migration could not be applied; the message names the file and what to do."""


@dataclass(frozen=True)
class Migration:
    version: str
    slug: str
    domain: str
    seed: str
    description: str
    up_path: Path
    down_path: Path | None
    checksum: str

    @property
    def label(self) -> str:
        return f"{self.version} {self.slug} [{self.domain}]"

    def statements(self, engine_name: str, *, down: bool = False) -> list[Statement]:
        path = self.down_path if down else self.up_path
        if path is None:
            raise MigrationError(f"{self.up_path.name} has no down migration ({self.version}_{self.slug}.down.sql)")
        family_mysql = engine_name != "postgresql"
        statements = split_statements(path.read_text(), backslash_escapes=family_mysql)
        return [s for s in statements if _runs_on(s, engine_name)]


def _runs_on(statement: Statement, engine_name: str) -> bool:
    if statement.only_on == "tidb":
        return engine_name == "tidb"
    if statement.only_on == "not-tidb":
        return engine_name != "tidb"
    return True


def shown(path: Path) -> str:
    """A path as people read it: relative to the repo when inside it."""
    try:
        return str(path.resolve().relative_to(SQL_DIR.parent))
    except ValueError:
        return str(path)


def migrations_dir(family: str) -> Path:
    return SQL_DIR / ("postgresql" if family == "postgresql" else "mysql")


def discover(family: str, directory: Path | None = None) -> list[Migration]:
    """The migrations of an engine family, in version order."""
    directory = directory or migrations_dir(family)
    found: list[Migration] = []
    for path in package_files(directory, "*.up.sql", f"{family} migrations"):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_slug.up.sql")
        version, slug = match.groups()
        header, _ = split_header(path.read_text())
        if "domain" not in header:
            raise MigrationError(f"{path}: missing the '-- domain: …' header line")
        down = path.with_name(f"{version}_{slug}.down.sql")
        found.append(
            Migration(
                version=version,
                slug=slug,
                domain=header["domain"],
                seed=header.get("seed", ""),
                description=header.get("description", ""),
                up_path=path,
                down_path=down if down.exists() else None,
                checksum=hashlib.sha256(path.read_bytes()).hexdigest(),
            )
        )
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise MigrationError(f"{directory}: two migrations share a version")
    return found


@dataclass(frozen=True)
class AppliedVersion:
    version: str
    slug: str
    domain: str
    checksum: str
    state: str  # "applied" | "dirty"
    statements_applied: int
    statements_total: int
    applied_at: datetime | None
    execution_ms: int | None
    error: str | None


@dataclass(frozen=True)
class VersionStatus:
    version: str
    slug: str
    domain: str
    state: str  # applied | pending | dirty | changed | missing
    applied_at: datetime | None = None
    detail: str = ""


_HISTORY_DDL = {
    "postgresql": f"""
        CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
            version varchar(16) PRIMARY KEY,
            slug varchar(200) NOT NULL,
            domain varchar(64) NOT NULL,
            checksum char(64) NOT NULL,
            state varchar(16) NOT NULL,
            statements_applied integer NOT NULL,
            statements_total integer NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            execution_ms bigint,
            applied_by varchar(255),
            error text
        )""",
    "mysql": f"""
        CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
            version varchar(16) PRIMARY KEY,
            slug varchar(200) NOT NULL,
            domain varchar(64) NOT NULL,
            checksum char(64) NOT NULL,
            state varchar(16) NOT NULL,
            statements_applied int NOT NULL,
            statements_total int NOT NULL,
            applied_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
            execution_ms bigint,
            applied_by varchar(255),
            error text
        )""",
}


class MigrationRunner:
    """Applies, reverts and reports the migrations of one warehouse."""

    def __init__(self, engine: Engine, migrations: list[Migration] | None = None) -> None:
        self.engine = engine
        self.migrations = migrations if migrations is not None else discover(engine.family)
        self.folder = shown(self.migrations[0].up_path.parent) if self.migrations else shown(
            migrations_dir(engine.family))
        self._by_version = {m.version: m for m in self.migrations}

    # -- reading state -------------------------------------------------------------------------
    def applied(self) -> dict[str, AppliedVersion]:
        if not self._history_exists():
            return {}
        rows = self.engine.query(
            "SELECT version, slug, domain, checksum, state, statements_applied, statements_total, "
            f"applied_at, execution_ms, error FROM {HISTORY_TABLE} ORDER BY version"
        )
        return {r[0]: AppliedVersion(*r) for r in rows}

    def _history_exists(self) -> bool:
        if self.engine.family == "postgresql":
            sql = "SELECT to_regclass(:t) IS NOT NULL"
        else:
            sql = ("SELECT COUNT(*) > 0 FROM information_schema.tables "
                   "WHERE table_schema = DATABASE() AND table_name = :t")
        return bool(self.engine.scalar(sql, {"t": HISTORY_TABLE}))

    def status(self) -> list[VersionStatus]:
        applied = self.applied()
        rows: list[VersionStatus] = []
        for m in self.migrations:
            a = applied.get(m.version)
            if a is None:
                rows.append(VersionStatus(m.version, m.slug, m.domain, "pending"))
            elif a.state == "dirty":
                detail = f"failed after {a.statements_applied}/{a.statements_total} statements: {a.error}"
                rows.append(VersionStatus(m.version, m.slug, m.domain, "dirty", a.applied_at, detail))
            elif a.checksum != m.checksum:
                rows.append(VersionStatus(m.version, m.slug, m.domain, "changed", a.applied_at,
                                          f"{m.up_path.name} was edited after it was applied"))
            else:
                rows.append(VersionStatus(m.version, m.slug, m.domain, "applied", a.applied_at))
        for version, a in applied.items():
            if version not in self._by_version:
                rows.append(VersionStatus(version, a.slug, a.domain, "missing", a.applied_at,
                                          "applied, but its file is not in this checkout"))
        return sorted(rows, key=lambda r: r.version)

    def validate(self, applied: dict[str, AppliedVersion] | None = None) -> None:
        """Refuse to run over a dirty, edited or unknown applied migration."""
        applied = self.applied() if applied is None else applied
        folder = self.folder
        for version, a in applied.items():
            m = self._by_version.get(version)
            if a.state == "dirty":
                raise MigrationError(
                    f"migration {version} ({folder}/{version}_{a.slug}.up.sql) is dirty: it failed after "
                    f"{a.statements_applied} of {a.statements_total} statements ({a.error}). Undo or finish "
                    "those statements by hand, then run `cockpit migrate repair`."
                )
            if m is None:
                raise MigrationError(f"migration {version} ({a.slug}) is applied but missing from {folder}/")
            if a.checksum != m.checksum:
                raise MigrationError(
                    f"checksum mismatch: {folder}/{m.up_path.name} was edited after it was applied "
                    f"(applied {a.checksum[:12]}…, file {m.checksum[:12]}…). Restore the file and add a new "
                    "migration instead."
                )

    def plan(self, domains: Iterable[str] | None = None, applied: dict[str, AppliedVersion] | None = None,
             domain_parents: dict[str, set[str]] | None = None) -> list[Migration]:
        """Pending migrations (of `domains`, if given), checked to be appliable in version order."""
        applied = self.applied() if applied is None else applied
        pending = [m for m in self.migrations if m.version not in applied]
        if domains is None:
            return pending
        selected = set(domains)
        chosen = [m for m in pending if m.domain in selected]
        parents = domain_parents or {}
        chosen_versions = {m.version for m in chosen}
        for m in chosen:
            related = parents.get(m.domain, set()) | {m.domain}
            for earlier in pending:
                if earlier.version < m.version and earlier.domain in related and earlier.version not in chosen_versions:
                    raise MigrationError(
                        f"migration {m.label} needs {earlier.label} first: select the {earlier.domain} "
                        "schema asset too, or run `cockpit migrate`"
                    )
        return chosen

    # -- changing state ------------------------------------------------------------------------
    def migrate(self, domains: Iterable[str] | None = None, *, dry_run: bool = False, log: Log = print,
                domain_parents: dict[str, set[str]] | None = None) -> list[Migration]:
        """Apply pending migrations under the lock; a rerun is a no-op. Returns what was applied."""
        if dry_run:
            self.validate()
            todo = self.plan(domains, domain_parents=domain_parents)
            for m in todo:
                log(f"-- {m.label}: {shown(m.up_path)}")
                for s in m.statements(self.engine.name):
                    log(s.sql.rstrip() + ";\n")
            if not todo:
                log("-- nothing to apply")
            return todo
        conn = self.engine.connect()
        try:
            with self.engine.advisory_lock(conn, LOCK_NAME):
                self._ensure_history(conn)
                applied = self.applied()
                self.validate(applied)
                todo = self.plan(domains, applied, domain_parents)
                for m in todo:
                    self._apply(conn, m, log)
                return todo
        finally:
            conn.close()

    def down(self, to_version: str, *, log: Log = print) -> list[Migration]:
        """Revert every applied migration above `to_version`, newest first."""
        conn = self.engine.connect()
        try:
            with self.engine.advisory_lock(conn, LOCK_NAME):
                self._ensure_history(conn)
                applied = self.applied()
                self.validate(applied)
                todo = [self._by_version[v] for v in sorted(applied, reverse=True) if v > to_version]
                for m in todo:
                    self._revert(conn, m, log)
                return todo
        finally:
            conn.close()

    def repair(self, *, log: Log = print) -> list[str]:
        """Clear dirty versions (after the operator fixed the database) so they can be applied again."""
        conn = self.engine.connect()
        try:
            with self.engine.advisory_lock(conn, LOCK_NAME):
                self._ensure_history(conn)
                dirty = [v for v, a in self.applied().items() if a.state == "dirty"]
                for version in dirty:
                    self._exec(conn, f"DELETE FROM {HISTORY_TABLE} WHERE version = %s", [version])
                    conn.commit()
                    log(f"repaired {version}: removed its dirty history row; `cockpit migrate` applies it again")
                return dirty
        finally:
            conn.close()

    # -- internals -----------------------------------------------------------------------------
    def _ensure_history(self, conn: Any) -> None:
        self._exec(conn, _HISTORY_DDL[self.engine.family])
        conn.commit()

    @staticmethod
    def _exec(conn: Any, sql: str, params: list[Any] | None = None) -> None:
        cur = conn.cursor()
        cur.execute(sql, params) if params is not None else cur.execute(sql)

    def _fail(self, m: Migration, s: Statement, path: Path, exc: Exception) -> MigrationError:
        rel = shown(path)
        first_line = s.sql.splitlines()[0][:100]
        return MigrationError(f"{rel}:{s.line}: {type(exc).__name__}: {exc}".rstrip() + f"\n  in: {first_line}")

    def _apply(self, conn: Any, m: Migration, log: Log) -> None:
        statements = m.statements(self.engine.name)
        started = time.perf_counter()
        record = (
            f"INSERT INTO {HISTORY_TABLE} (version, slug, domain, checksum, state, statements_applied, "
            "statements_total, execution_ms, applied_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        user = _whoami()
        if self.engine.family == "postgresql":
            try:
                for s in statements:
                    try:
                        self._exec(conn, s.sql)
                    except Exception as exc:
                        raise self._fail(m, s, m.up_path, exc) from exc
                elapsed = int((time.perf_counter() - started) * 1000)
                self._exec(conn, record, [m.version, m.slug, m.domain, m.checksum, "applied",
                                          len(statements), len(statements), elapsed, user])
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        else:
            self._exec(conn, record, [m.version, m.slug, m.domain, m.checksum, "dirty", 0, len(statements), None, user])
            conn.commit()
            for done, s in enumerate(statements, start=1):
                try:
                    self._exec(conn, s.sql)
                    conn.commit()
                except Exception as exc:
                    conn.rollback()
                    error = self._fail(m, s, m.up_path, exc)
                    self._exec(conn, f"UPDATE {HISTORY_TABLE} SET statements_applied = %s, error = %s "
                                     "WHERE version = %s", [done - 1, str(error)[:4000], m.version])
                    conn.commit()
                    raise error from exc
            elapsed = int((time.perf_counter() - started) * 1000)
            self._exec(conn, f"UPDATE {HISTORY_TABLE} SET state = 'applied', statements_applied = %s, "
                             "execution_ms = %s, error = NULL WHERE version = %s",
                       [len(statements), elapsed, m.version])
            conn.commit()
        log(f"applied {m.label} ({len(statements)} statements, {time.perf_counter() - started:.2f}s)")

    def _revert(self, conn: Any, m: Migration, log: Log) -> None:
        statements = m.statements(self.engine.name, down=True)
        assert m.down_path is not None
        started = time.perf_counter()
        if self.engine.family == "postgresql":
            try:
                for s in statements:
                    try:
                        self._exec(conn, s.sql)
                    except Exception as exc:
                        raise self._fail(m, s, m.down_path, exc) from exc
                self._exec(conn, f"DELETE FROM {HISTORY_TABLE} WHERE version = %s", [m.version])
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        else:
            self._exec(conn, f"UPDATE {HISTORY_TABLE} SET state = 'dirty', statements_applied = 0, "
                             "statements_total = %s, error = %s WHERE version = %s",
                       [len(statements), "reverting", m.version])
            conn.commit()
            for s in statements:
                try:
                    self._exec(conn, s.sql)
                    conn.commit()
                except Exception as exc:
                    conn.rollback()
                    error = self._fail(m, s, m.down_path, exc)
                    self._exec(conn, f"UPDATE {HISTORY_TABLE} SET error = %s WHERE version = %s",
                               [f"while reverting: {error}"[:4000], m.version])
                    conn.commit()
                    raise error from exc
            self._exec(conn, f"DELETE FROM {HISTORY_TABLE} WHERE version = %s", [m.version])
            conn.commit()
        log(f"reverted {m.label} ({len(statements)} statements, {time.perf_counter() - started:.2f}s)")


def pending_reason(engine: Engine) -> str | None:
    """Why the warehouse cannot serve the pipeline yet (its pending migrations), or None when it is current."""
    pending = MigrationRunner(engine).plan()
    if not pending:
        return None
    return f"the warehouse {engine.describe()} has {len(pending)} pending migration(s), from {pending[0].label}"


def _whoami() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
