"""Full backups of the warehouse (seed 003 §8.1: daily, kept 30 days), verified by a restore.

A backup is one archive file under COCKPIT_BACKUP_URL (`<root>/<database>/date=YYYY-MM-DD/…`):

- PostgreSQL: `pg_dump --format=custom` of the server's major version (the embedded server's own from its
  wheel, else the machine's). It dumps the snapshot that a REPEATABLE READ transaction of ours exported
  (`pg_export_snapshot`, `pg_dump --snapshot`), and that transaction reads every table's row count and
  content digest meanwhile: both see exactly the same rows, whatever commits during the dump.
- MySQL family: `mariadb-dump --single-transaction` (SQL). Its consistent snapshot cannot be shared, so
  ours is taken while writes are held: one session takes the global read lock (FLUSH TABLES WITH READ
  LOCK) and starts its consistent snapshot; the dump starts; once the dump's output reaches its first
  table (its snapshot is then taken, with no commit possible in between; a small dump's output arrives
  only at its end) the lock is released, and our snapshot's counts and digests describe the dump's rows.
  Writers of the whole server wait meanwhile; the lock needs the RELOAD privilege.

The file is written under a temporary name and fsynced; its size, SHA-256, dump tool version and the
per-table counts and digests go to `warehouse_backups` (migration 0066) and, the same `Backup` in JSON, to
a manifest beside the archive (`<archive>.manifest.json`, written the same way); only then is the archive
renamed into place, so a published archive always has both. The manifest is what restores an archive
when the warehouse itself is lost (`read_backup_file`). Passwords reach the tools through PGPASSWORD or a
0600 defaults file (`--defaults-extra-file`), never their command line.

`verify_backup` (the asset's blocking check) checks that the manifest agrees with the warehouse's row and
the file's SHA-256, restores it into a scratch database of the same server, and compares each table's
count and digest with the recorded ones. `restore_into` restores into another, empty database (the same
engine family), with the same comparison. `prune_backups` applies the retention policy (`backups` in
policies/retention.yaml), removing each archive with its manifest.

Content digest of a table: the exact sum of a 64-bit hash of each row's text — PostgreSQL
`md5(row::text)`, the MySQL family MD5 of its quoted columns — so the order of rows does not matter.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import reprlib
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, get_type_hints

import psycopg
from sqlalchemy.engine import URL, make_url

from cockpit_pipelines.archive.policies import Duration, load_settings
from cockpit_pipelines.archive.store import fsync_dir, local_root, make_dirs, path_of
from cockpit_pipelines.engines import Engine, engine_at
from cockpit_pipelines.engines.embedded import bin_dir
from cockpit_pipelines.engines.postgres import libpq_target
from cockpit_pipelines.engines.sqltext import quote_identifier, to_pyformat
from cockpit_pipelines.kept_validations import mysql_row_hash
from cockpit_pipelines.progress import Log
from cockpit_pipelines.settings import BACKUP_URL_ENV, backup_url
from cockpit_pipelines.utc import naive_utc, now_utc

TABLE = "warehouse_backups"
MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = "cockpit warehouse backup 1"
SCRATCH_PREFIX = "cockpit_backup_check_"
SYSTEM_PG_BIN = "/usr/lib/postgresql/{major}/bin"
# mariadb-dump writes this before each table's definition, inside its snapshot transaction.
_FIRST_TABLE = b"\nCREATE TABLE "
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup cannot be taken, trusted or restored; the message names the file or the tool."""


@dataclass(frozen=True)
class TableState:
    rows: int
    digest: str


@dataclass(frozen=True)
class Backup:
    """One archive and what the warehouse held at its snapshot: a warehouse_backups row, and the archive's
    manifest (`row`/`from_row`, `manifest`/`from_manifest`, over the same fields)."""

    backup_date: date
    engine: str
    tool: str
    path: Path
    size: int
    sha256: str
    tables: dict[str, TableState]
    snapshot: str
    started_at: datetime
    finished_at: datetime
    id: int | None = None

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    @property
    def family(self) -> str:
        return "postgresql" if self.engine == "postgresql" else "mysql"

    def row(self) -> dict[str, Any]:
        """Its warehouse_backups columns and values."""
        return {_COLUMNS.get(f.name, f.name): _encode(getattr(self, f.name), manifest=False) for f in fields(self)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Backup:
        kinds = get_type_hints(cls)
        return cls(**{f.name: _decode(kinds[f.name], row[_COLUMNS.get(f.name, f.name)], None) for f in fields(cls)})

    def manifest(self) -> dict[str, Any]:
        """Its manifest: every field (the archive by its file name, instants in UTC), with the engine family."""
        return {"format": MANIFEST_FORMAT, "family": self.family,
                **{f.name: _encode(getattr(self, f.name), manifest=True) for f in fields(self)}}

    @classmethod
    def from_manifest(cls, data: Any, manifest: Path) -> Backup:
        """The backup a manifest describes; its archive is the named file beside the manifest."""
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise BackupError(f"{manifest}: not a backup manifest (format {found!r}, expected {MANIFEST_FORMAT!r})")
        kinds = get_type_hints(cls)
        values = {}
        for f in fields(cls):
            if f.name not in data:
                raise BackupError(f"{manifest}: the manifest has no {f.name!r}")
            try:
                values[f.name] = _decode(kinds[f.name], data[f.name], manifest.parent)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise BackupError(f"{manifest}: {f.name} {reprlib.repr(data[f.name])} is not valid "
                                  f"({type(exc).__name__}: {exc})") from None
        backup = cls(**values)
        if data.get("family") != backup.family:
            raise BackupError(f"{manifest}: family {data.get('family')!r} disagrees with engine {backup.engine!r}")
        return backup


# Backup fields whose warehouse_backups column is named otherwise
_COLUMNS = {"path": "file_uri", "size": "size_bytes"}


def _encode(value: Any, *, manifest: bool) -> Any:
    """A field's value in a warehouse_backups row, or in a manifest (JSON)."""
    if isinstance(value, Path):
        return value.name if manifest else value.as_uri()
    if isinstance(value, dict):
        tables = {n: asdict(s) for n, s in sorted(value.items())}
        return tables if manifest else json.dumps(tables)
    if manifest and isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat()
    if manifest and isinstance(value, date):
        return value.isoformat()
    return value


def _decode(kind: Any, value: Any, folder: Path | None) -> Any:
    """A field's value read from a row (`folder` None) or from a manifest in `folder`."""
    if kind is Path:
        if folder is None:
            return path_of(value)
        if not isinstance(value, str) or Path(value).name != value or value in ("", ".", ".."):
            raise ValueError("the archive is named by its file name, beside the manifest")
        return folder / value
    if kind is datetime:
        return naive_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))
    if kind is date:
        return value if isinstance(value, date) else date.fromisoformat(value)
    if kind == dict[str, TableState]:
        tables = json.loads(value) if isinstance(value, str) else value
        return {str(n): TableState(int(s["rows"]), str(s["digest"])) for n, s in tables.items()}
    if kind is str:
        if value is not None and not isinstance(value, str):
            raise TypeError("a string is expected")
        return value or ""
    return None if value is None else int(value)  # size, id


@dataclass(frozen=True)
class Comparison:
    """A restore of a backup compared with the backup's snapshot."""

    backup: Backup
    database: str
    restored: dict[str, TableState]
    seconds: float
    created_roles: tuple[str, ...] = ()

    @property
    def differences(self) -> list[str]:
        return compare_states(self.restored, self.backup.tables)

    @property
    def ok(self) -> bool:
        return not self.differences

    def table_lines(self) -> list[str]:
        """Every table: its rows at the backup's snapshot and restored, and whether it is identical."""
        names = sorted(set(self.backup.tables) | set(self.restored))
        width = max(map(len, names), default=5)
        lines = [f"{'table':<{width}}  {'backup rows':>12}  {'restored rows':>13}  content"]
        for name in names:
            want, got = self.backup.tables.get(name), self.restored.get(name)
            lines.append(f"{name:<{width}}  {f'{want.rows:,}' if want else '-':>12}  "
                         f"{f'{got.rows:,}' if got else '-':>13}  {'identical' if want == got else 'DIFFERENT'}")
        return lines

    def description(self) -> str:
        roles = (f"; created the role(s) its privileges name, NOLOGIN: {', '.join(self.created_roles)}"
                 if self.created_roles else "")
        if self.ok:
            return (f"{self.backup.path}: restored into {self.database}, {len(self.backup.tables)} tables and "
                    f"{self.backup.rows:,} rows identical to the backup's snapshot{roles}")
        return f"{self.backup.path}: " + "; ".join(self.differences) + roles


# --- tools ----------------------------------------------------------------------------------------


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    return _major(out)


def _major(version: str) -> int | None:
    """The major version in a tool's `--version` line (`pg_dump (PostgreSQL) 16.4` -> 16)."""
    match = re.search(r"\b(\d+)(?:\.\d+)?", version)
    return int(match.group(1)) if match else None


def pg_tool(name: str, server_major: int) -> Path:
    """`pg_dump` / `pg_restore` of the server's major version: the embedded wheel's, the machine's
    /usr/lib/postgresql/<major>/bin, or the one on PATH, whichever has that version."""
    places = [bin_dir(), Path(SYSTEM_PG_BIN.format(major=server_major))]
    on_path = shutil.which(name)
    candidates = [p / name for p in places if p] + ([Path(on_path)] if on_path else [])
    seen = []
    for candidate in candidates:
        if candidate.is_file():
            major = _tool_major(candidate)
            if major == server_major:
                return candidate
            seen.append(f"{candidate} (version {major})")
    raise BackupError(f"no {name} of PostgreSQL {server_major} found (the server's major version; tried "
                      f"{', '.join(seen) or ', '.join(map(str, candidates)) or 'nothing on PATH'})")


def mysql_tool(*names: str) -> Path:
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise BackupError(f"none of {', '.join(names)} is on PATH (the MySQL-family client tools)")


def _run(argv: list[str], *, env: dict[str, str] | None = None, stdin: IO[bytes] | None = None,
         what: str) -> bytes:
    """Run a client tool; its standard output, or a BackupError naming `what` with the tool's error."""
    done = subprocess.run(argv, env=env, stdin=stdin, capture_output=True)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip()[-2000:]
        raise BackupError(f"{what}: {Path(argv[0]).name} exited with {done.returncode}: {err}")
    return done.stdout


@contextlib.contextmanager
def _client_access(url: URL, database: str | None = None) -> Iterator[tuple[list[str], dict[str, str]]]:
    """How a client tool reaches the database of `url` (or `database` on its server): its leading
    arguments and environment. The password goes through PGPASSWORD, or a 0600 defaults file."""
    if url.get_backend_name() == "postgresql":
        conninfo, password = libpq_target(url.set(database=database) if database else url)
        env = {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)
        env.pop("PGOPTIONS", None)
        yield [f"--dbname={conninfo}"], env
        return
    lines = ["[client]", f"user={url.username or 'root'}", f"host={url.host or '127.0.0.1'}",
             f"port={url.port or 3306}"]
    if url.password:
        escaped = url.password.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'password="{escaped}"')
    handle, name = tempfile.mkstemp(prefix="cockpit-client-", suffix=".cnf")  # mode 0600
    try:
        with os.fdopen(handle, "w") as out:
            out.write("\n".join(lines) + "\n")
        yield [f"--defaults-extra-file={name}"], dict(os.environ)
    finally:
        os.unlink(name)


# --- table states ---------------------------------------------------------------------------------


def table_states(conn: Any, family: str) -> dict[str, TableState]:
    """Row count and content digest of every table of the connection's schema/database, read in its
    current transaction (PostgreSQL: every table with rows of its own, partitions included)."""
    cur = conn.cursor()
    if family == "postgresql":
        cur.execute("SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                    "AND relkind = 'r' ORDER BY relname")
        names = [r[0] for r in cur.fetchall()]
        queries = {n: f"SELECT count(*), COALESCE(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint"
                      f"::numeric), 0) FROM ONLY {quote_identifier(n, family)} AS t" for n in names}
    else:
        cur.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = DATABASE() "
                    "AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    "DATABASE() AND table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position")
        columns: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            columns.setdefault(table, []).append(column)
        queries = {n: f"SELECT COUNT(*), COALESCE(SUM({mysql_row_hash(cols, 't')}), 0) "
                      f"FROM {quote_identifier(n, family)} AS t" for n, cols in columns.items()}
    states = {}
    for name, sql in queries.items():
        cur.execute(sql)
        count, digest = cur.fetchone()
        states[name] = TableState(int(count), str(int(digest)))
    return states


def compare_states(restored: dict[str, TableState], recorded: dict[str, TableState]) -> list[str]:
    """What differs between a restore and the backup's snapshot, table by table."""
    differences = [f"table {name} is missing from the restore" for name in sorted(set(recorded) - set(restored))]
    differences += [f"table {name} is in the restore but not in the backup's snapshot"
                    for name in sorted(set(restored) - set(recorded))]
    for name in sorted(set(restored) & set(recorded)):
        got, want = restored[name], recorded[name]
        if got != want:
            differences.append(f"{name}: {got.rows:,} rows (digest {got.digest}) restored, {want.rows:,} rows "
                               f"(digest {want.digest}) at the backup's snapshot")
    return differences


# --- taking a backup ------------------------------------------------------------------------------


def backup_root() -> Path:
    return local_root(backup_url(), BACKUP_URL_ENV)


def _server_major(engine: Engine) -> int:
    return int(engine.scalar("SELECT current_setting('server_version_num')::int / 10000"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def take_backup(engine: Engine, backup_date: date, *, root: Path | None = None, run_id: str | None = None,
                log: Log = lambda _: None) -> Backup:
    """Dump the warehouse into a new archive, durably, and record it in warehouse_backups."""
    root = root or backup_root()
    started = now_utc()
    suffix = "pgdump" if engine.family == "postgresql" else "sql"
    path = (root / (engine.database or "warehouse") / f"date={backup_date.isoformat()}"
            / f"warehouse_{started:%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:8]}.{suffix}")
    for folder in make_dirs(path.parent):
        fsync_dir(folder)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if engine.family == "postgresql":
            tool, snapshot, tables = _pg_dump(engine, temporary, log)
        else:
            tool, snapshot, tables = _mysql_dump(engine, temporary, log)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        backup = Backup(backup_date=backup_date, engine=engine.name, tool=tool, path=path,
                        size=temporary.stat().st_size, sha256=_sha256(temporary), tables=tables, snapshot=snapshot,
                        started_at=started, finished_at=now_utc())
        backup = _record(engine, backup, run_id)  # recorded first: a published archive has its row...
        _write_manifest(backup)  # ...and its manifest
        os.replace(temporary, path)
        fsync_dir(path.parent)
    finally:
        temporary.unlink(missing_ok=True)
    return backup


def manifest_of(archive: Path) -> Path:
    """The manifest beside an archive."""
    return archive.with_name(archive.name + MANIFEST_SUFFIX)


def _write_manifest(backup: Backup) -> None:
    """The backup's manifest beside its archive, durably: a temporary name, fsync, rename, fsync of the folder."""
    manifest = manifest_of(backup.path)
    temporary = manifest.with_name(f".{manifest.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(backup.manifest(), out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, manifest)
        fsync_dir(manifest.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _pg_dump(engine: Engine, target: Path, log: Log) -> tuple[str, str, dict[str, TableState]]:
    tool = pg_tool("pg_dump", _server_major(engine))
    conn = engine.connect()
    try:
        conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
        cur = conn.cursor()
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        with _client_access(engine.url) as (access, env):
            argv = [str(tool), *access, "--format=custom", f"--snapshot={snapshot}", "--no-password",
                    f"--file={target}"]
            log(f"pg_dump of {engine.describe()} at snapshot {snapshot}: {tool}")
            dump = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE)
            try:
                tables = table_states(conn, "postgresql")  # in the exported snapshot, while pg_dump runs
            finally:
                _, err = dump.communicate()
        if dump.returncode != 0:
            raise BackupError(f"pg_dump of {engine.describe()} exited with {dump.returncode}: "
                              f"{err.decode(errors='replace').strip()[-2000:]}")
    finally:
        conn.rollback()
        conn.close()
    return _tool_version(tool), snapshot, tables


def _mysql_dump(engine: Engine, target: Path, log: Log) -> tuple[str, str, dict[str, TableState]]:
    tool = mysql_tool("mariadb-dump", "mysqldump")
    conn = engine.connect()
    locked = True
    try:
        cur = conn.cursor()
        cur.execute("FLUSH TABLES WITH READ LOCK")
        cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        with _client_access(engine.url) as (access, env), open(target, "wb") as out:
            argv = [str(tool), *access, "--single-transaction", "--skip-lock-tables", "--hex-blob", "--triggers",
                    "--routines", "--default-character-set=utf8mb4", "--no-tablespaces", engine.database]
            log(f"{tool.name} of {engine.describe()} (writes held until its snapshot is taken)")
            dump = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            started = threading.Event()
            errors: list[bytes] = []
            copier = threading.Thread(target=_copy_until_done, args=(dump, out, started, errors), daemon=True)
            copier.start()
            started.wait()
            cur.execute("UNLOCK TABLES")
            locked = False
            try:
                tables = table_states(conn, "mysql")
            finally:
                copier.join()
                dump.wait()
            out.flush()
        if dump.returncode != 0:
            raise BackupError(f"{tool.name} of {engine.describe()} exited with {dump.returncode}: "
                              f"{b''.join(errors).decode(errors='replace').strip()[-2000:]}")
    finally:
        if locked:
            with contextlib.suppress(Exception):
                conn.cursor().execute("UNLOCK TABLES")
        conn.rollback()
        conn.close()
    return _tool_version(tool), "consistent snapshot under FLUSH TABLES WITH READ LOCK", tables


def _copy_until_done(dump: subprocess.Popen, out: IO[bytes], started: threading.Event, errors: list[bytes]) -> None:
    """Copy the dump's output to `out`; set `started` once it writes its first table (or ends)."""
    reader = threading.Thread(target=lambda: errors.append(dump.stderr.read()), daemon=True)
    reader.start()
    tail = b""
    try:
        while chunk := dump.stdout.read1(_CHUNK):
            out.write(chunk)
            if not started.is_set() and _FIRST_TABLE in tail + chunk:
                started.set()
            tail = chunk[-len(_FIRST_TABLE):]
    finally:
        started.set()
        reader.join()


def _tool_version(tool: Path) -> str:
    out = subprocess.run([str(tool), "--version"], capture_output=True, text=True).stdout.strip()
    return out[:128] or tool.name


def _record(engine: Engine, backup: Backup, run_id: str | None) -> Backup:
    params = {**backup.row(), "run_id": run_id}
    del params["id"]
    insert = f"INSERT INTO {TABLE} ({', '.join(params)}) VALUES ({', '.join(':' + c for c in params)})"
    if engine.family == "postgresql":
        new_id = engine.scalar(insert + " RETURNING id", params)
    else:
        with engine.transaction() as conn:
            cur = conn.cursor()
            cur.execute(to_pyformat(insert, params), params)
            new_id = cur.lastrowid
    return replace(backup, id=int(new_id))


# --- reading the record ---------------------------------------------------------------------------


_COLUMN_LIST = [_COLUMNS.get(f.name, f.name) for f in fields(Backup)]
_SELECT = f"SELECT {', '.join(_COLUMN_LIST)} FROM {TABLE}"


def _backup_of(row: tuple) -> Backup:
    return Backup.from_row(dict(zip(_COLUMN_LIST, row, strict=True)))


def latest_backup(engine: Engine, backup_date: date) -> Backup | None:
    """The newest backup of that date whose file was not pruned."""
    rows = engine.query(f"{_SELECT} WHERE backup_date = :d AND pruned_at IS NULL ORDER BY id DESC LIMIT 1",
                        {"d": backup_date})
    return _backup_of(rows[0]) if rows else None


def prune_backups(engine: Engine, as_of: date, keep: Duration | None = None, *, log: Log = lambda _: None
                  ) -> list[Backup]:
    """Delete the archives (with their manifests) whose backup date lies `keep` (retention.yaml `backups`) or
    more before `as_of`; their rows stay, with pruned_at."""
    keep = keep or load_settings().backup_keep
    cutoff = keep.before(datetime(as_of.year, as_of.month, as_of.day)).date()
    rows = engine.query(f"{_SELECT} WHERE backup_date <= :c AND pruned_at IS NULL ORDER BY id", {"c": cutoff})
    pruned = []
    for backup in map(_backup_of, rows):
        backup.path.unlink(missing_ok=True)
        manifest_of(backup.path).unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the date's folder, once empty
            backup.path.parent.rmdir()
        engine.execute("UPDATE warehouse_backups SET pruned_at = :t WHERE id = :i", {"t": now_utc(), "i": backup.id})
        log(f"pruned {backup.path} (backup of {backup.backup_date}, kept {keep})")
        pruned.append(backup)
    return pruned


# --- restoring ------------------------------------------------------------------------------------


def read_backup_file(path: Path) -> Backup:
    """The backup an archive's manifest describes, given the archive or the manifest itself; a missing or
    unreadable manifest is a BackupError naming it (the archive is checked by `check_file`)."""
    manifest = path if path.name.endswith(MANIFEST_SUFFIX) else manifest_of(path)
    if not manifest.is_file():
        if manifest == path:
            raise BackupError(f"{manifest}: no such manifest")
        if not path.exists():
            raise BackupError(f"{path}: no such backup file (nor its manifest {manifest.name})")
        raise BackupError(f"{manifest}: the manifest of {path} is missing: without it the archive's size, SHA-256 "
                          "and table contents cannot be verified")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{manifest}: the manifest cannot be read: {exc}") from None
    backup = Backup.from_manifest(data, manifest)
    if manifest != path and backup.path.name != path.name:
        raise BackupError(f"{manifest}: the manifest describes {backup.path.name}, not {path.name}")
    return backup


def check_manifest(backup: Backup) -> None:
    """The manifest beside the archive describes `backup` (its warehouse_backups row) field by field."""
    manifest = manifest_of(backup.path)
    described = read_backup_file(backup.path)
    differences = []
    for f in fields(Backup):
        recorded, written = getattr(backup, f.name), getattr(described, f.name)
        if f.name == "tables":
            differences += [f"table {n}: {_table_text(written.get(n))} in the manifest, "
                            f"{_table_text(recorded.get(n))} in the row"
                            for n in sorted(set(recorded) | set(written)) if recorded.get(n) != written.get(n)]
        elif recorded != written:
            differences.append(f"{f.name} {_encode(written, manifest=True)!r} in the manifest, "
                               f"{_encode(recorded, manifest=True)!r} in the row")
    if differences:
        raise BackupError(f"{manifest}: disagrees with its {TABLE} row (id {backup.id}): " + "; ".join(differences))


def _table_text(state: TableState | None) -> str:
    return f"{state.rows:,} rows (digest {state.digest})" if state else "absent"


def check_file(backup: Backup) -> None:
    """The archive is there, with the size and SHA-256 recorded."""
    if not backup.path.is_file():
        raise BackupError(f"{backup.path}: the backup file of {backup.backup_date} is missing")
    size = backup.path.stat().st_size
    if size != backup.size:
        raise BackupError(f"{backup.path}: {size:,} bytes, {backup.size:,} recorded: the file is damaged")
    actual = _sha256(backup.path)
    if actual != backup.sha256:
        raise BackupError(f"{backup.path}: SHA-256 {actual}, {backup.sha256} recorded: the file is damaged")


def _load(backup: Backup, engine: Engine, database: str) -> tuple[str, ...]:
    """Restore the archive into `database` on the server of `engine`; the roles it had to create there."""
    with _client_access(engine.url, database) as (access, env):
        if engine.family == "postgresql":
            major, dumped = _server_major(engine), _major(backup.tool)
            if dumped and dumped > major:
                raise BackupError(f"{backup.path}: dumped by {backup.tool}, it restores into PostgreSQL {dumped} or "
                                  f"newer, not into {engine.describe()} (PostgreSQL {major})")
            tool = pg_tool("pg_restore", major)
            created = _ensure_roles(engine, backup, granted_roles(backup, tool))
            _run([str(tool), *access, "--no-owner", "--exit-on-error", "--single-transaction", "--no-password",
                  str(backup.path)], env=env, what=f"restore of {backup.path} into {database}")
            return created
        else:
            tool = mysql_tool("mariadb", "mysql")
            with open(backup.path, "rb") as dump:
                _run([str(tool), *access, "--binary-mode", f"--database={database}"], env=env, stdin=dump,
                     what=f"restore of {backup.path} into {database}")
            return ()


# A privilege statement of pg_restore's script: GRANT … TO grantees / REVOKE … FROM grantees.
_PRIVILEGE = re.compile(r"^(?:GRANT .* TO|REVOKE .* FROM) (.+?)(?: WITH GRANT OPTION)?(?: GRANTED BY .+)?;$", re.M)


def granted_roles(backup: Backup, pg_restore: Path) -> list[str]:
    """The roles the archive's privileges name (PUBLIC and the predefined pg_* roles aside). Roles belong to
    the server, not to the database a dump holds: a new server lacks them, and the restore would fail."""
    script = _run([str(pg_restore), "--schema-only", "--file=-", str(backup.path)],
                  what=f"reading the privileges of {backup.path}").decode()
    names = set()
    for match in _PRIVILEGE.finditer(script):
        for grantee in match.group(1).split(","):
            name = grantee.strip()
            name = name[1:-1].replace('""', '"') if name.startswith('"') else name
            if name != "PUBLIC" and not name.startswith("pg_"):
                names.add(name)
    return sorted(names)


def _ensure_roles(engine: Engine, backup: Backup, roles: list[str]) -> tuple[str, ...]:
    """Create, NOLOGIN, each of `roles` the server of `engine` lacks (as a dump of the whole server,
    `pg_dumpall --roles-only`, would have); a login that may not create roles gets an error naming them."""
    missing = [r for r in roles if not engine.scalar("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = :r)",
                                                     {"r": r})]
    for role in missing:
        statement = f"CREATE ROLE {quote_identifier(role, 'postgresql')} NOLOGIN"
        try:
            _admin(engine, statement)
        except psycopg.errors.DuplicateObject:
            continue  # created meanwhile by another restore or migration
        except psycopg.Error as exc:
            raise BackupError(f"{backup.path} grants privileges to the role {role!r}, which {engine.describe()} "
                              f"lacks and this login cannot create ({str(exc).strip()}): have an administrator "
                              f"run `{statement}`, then restore again") from None
    return tuple(missing)


def _restored_states(url: URL, family: str) -> dict[str, TableState]:
    engine = engine_at(url)
    conn = engine.connect()
    try:
        return table_states(conn, family)
    finally:
        conn.rollback()
        conn.close()


def _family(url: URL) -> str:
    return "postgresql" if url.get_backend_name() == "postgresql" else "mysql"


def restore_into(backup: Backup, target: str | URL) -> Comparison:
    """Restore the backup into the empty database `target` (a SQLAlchemy URL of the same engine family)
    and compare every table with the backup's snapshot."""
    url = make_url(target) if isinstance(target, str) else target
    family = _family(url)
    if family != backup.family:
        raise BackupError(f"{backup.path} is a {backup.engine} backup: restore it into the same engine family, "
                          f"not {url.get_backend_name()}")
    check_file(backup)
    engine = engine_at(url)
    present = _restored_states(url, family)
    if present:
        raise BackupError(f"{engine.describe()} is not empty ({len(present)} tables, e.g. {sorted(present)[0]}): "
                          "restore into an empty database")
    started = now_utc()
    created = _load(backup, engine, url.database or "")
    return Comparison(backup, engine.describe(), _restored_states(url, family), (now_utc() - started).total_seconds(),
                      created)


def verify_backup(engine: Engine, backup: Backup) -> Comparison:
    """The backup's check: its manifest agrees with its row, its file has the SHA-256 recorded, and a restore
    into a scratch database of the warehouse's server is identical, table by table, to the backup's snapshot;
    the scratch database is dropped after."""
    check_manifest(backup)
    check_file(backup)
    scratch = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}"
    with _scratch_database(engine, scratch) as url:
        started = now_utc()
        created = _load(backup, engine, scratch)
        return Comparison(backup, scratch, _restored_states(url, engine.family), (now_utc() - started).total_seconds(),
                          created)


@contextlib.contextmanager
def _scratch_database(engine: Engine, name: str) -> Iterator[URL]:
    quoted = quote_identifier(name, engine.family)
    _admin(engine, f"CREATE DATABASE {quoted}")
    try:
        yield engine.url.set(database=name)
    finally:
        drop = f"DROP DATABASE IF EXISTS {quoted}" + (" WITH (FORCE)" if engine.family == "postgresql" else "")
        _admin(engine, drop)


def _admin(engine: Engine, sql: str) -> None:
    """A statement outside a transaction (CREATE/DROP DATABASE) on the warehouse's server."""
    conn = engine.connect()
    try:
        if engine.family == "postgresql":
            conn.autocommit = True
        conn.cursor().execute(sql)  # the MySQL family commits DDL itself
    finally:
        conn.close()


