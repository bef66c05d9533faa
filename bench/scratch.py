"""Scratch databases for the benchmark: created fresh on a PostgreSQL or MariaDB server, migrated with
the project's migrations, and dropped afterwards (also when the benchmark fails)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pymysql
from sqlalchemy.engine import URL, make_url

from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.migrations import MigrationRunner

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/mysql"
CONNECT_TIMEOUT_S = 3


class ServerUnavailable(RuntimeError):
    """The server cannot be reached: its benchmark rows are reported as not available."""


@dataclass(frozen=True)
class Server:
    """A database server on which the benchmark creates its scratch databases (`admin`: any database
    of that server the user may connect to, e.g. `postgres` or `mysql`)."""

    admin: URL
    label: str

    @property
    def family(self) -> str:
        return "postgresql" if self.admin.get_backend_name() == "postgresql" else "mysql"

    def url_of(self, database: str) -> str:
        return self.admin.set(database=database).render_as_string(hide_password=False)

    def _pg_admin(self) -> psycopg.Connection:
        info = {"dbname": self.admin.database or "postgres", "user": self.admin.username or "postgres",
                "connect_timeout": CONNECT_TIMEOUT_S}
        for key, value in (("password", self.admin.password), ("host", self.admin.host), ("port", self.admin.port)):
            if value:
                info[key] = value
        info.update({k: v if isinstance(v, str) else v[-1] for k, v in self.admin.query.items()})
        return psycopg.connect(**info, autocommit=True)

    def _mysql_admin(self) -> pymysql.connections.Connection:
        return pymysql.connect(host=self.admin.host or "127.0.0.1", port=self.admin.port or 3306,
                               user=self.admin.username or "root", password=self.admin.password or "",
                               connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)

    def check(self) -> str:
        """The server's version; raises ServerUnavailable when it cannot be reached."""
        try:
            if self.family == "postgresql":
                with self._pg_admin() as conn:
                    return conn.execute("SHOW server_version").fetchone()[0]
            conn = self._mysql_admin()
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT VERSION()")
                    return cur.fetchone()[0]
            finally:
                conn.close()
        except (psycopg.OperationalError, pymysql.err.OperationalError) as exc:
            raise ServerUnavailable(f"{self.label} is not reachable: {str(exc).strip().splitlines()[0]}") from exc

    def create(self, name: str) -> str:
        if self.family == "postgresql":
            with self._pg_admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn = self._mysql_admin()
            try:
                with conn.cursor() as cur:
                    cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            finally:
                conn.close()
        return self.url_of(name)

    def drop(self, name: str) -> None:
        if self.family == "postgresql":
            with self._pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            conn = self._mysql_admin()
            try:
                with conn.cursor() as cur:
                    cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            finally:
                conn.close()


def postgres_server(url: str | None) -> Server:
    """The PostgreSQL server of `url`; unset, the machine's (127.0.0.1:5432) when it answers, else the
    embedded server under COCKPIT_HOME."""
    if url:
        return Server(make_url(url), "PostgreSQL (--pg-url)")
    machine = Server(make_url(DEFAULT_PG_URL), "PostgreSQL 127.0.0.1:5432")
    try:
        machine.check()
        return machine
    except ServerUnavailable:
        from cockpit_pipelines.engines.embedded import ensure_embedded

        return Server(make_url(ensure_embedded()).set(database="postgres"), "embedded PostgreSQL")


def mariadb_server(url: str | None) -> Server:
    """The MySQL-family server of `url`, else MariaDB at 127.0.0.1:3306."""
    return Server(make_url(url or DEFAULT_MARIADB_URL), "MariaDB (--mariadb-url)" if url else "MariaDB 127.0.0.1:3306")


@contextlib.contextmanager
def scratch_database(server: Server, purpose: str, *, migrate: bool = True) -> Iterator[Engine]:
    """A fresh database `cockpit_bench_<purpose>_<random>` on the server, migrated (or left empty, e.g. for
    Dagster's storage), dropped on exit."""
    name = f"cockpit_bench_{purpose}_{uuid.uuid4().hex[:8]}"
    url = server.create(name)
    try:
        engine = engine_for(url)
        if migrate:
            MigrationRunner(engine).migrate(log=lambda _line: None)
        yield engine
    finally:
        server.drop(name)
