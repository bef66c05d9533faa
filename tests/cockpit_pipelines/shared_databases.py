"""Migrated scratch databases shared by the tests of one module (migrating MariaDB takes seconds)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pymysql
import pytest

from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.migrations import MigrationRunner

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


def fresh_database(engine: str) -> Iterator[str]:
    """A new empty database on the machine's PostgreSQL or MariaDB (skips when unreachable); dropped after."""
    name = f"cockpit_test_{uuid.uuid4().hex[:10]}"
    if engine == "postgres":
        try:
            with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            pytest.skip(f"PostgreSQL is not reachable: {exc}")
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    try:
        conn = pymysql.connect(**MARIADB, connect_timeout=5)
    except pymysql.err.OperationalError as exc:
        pytest.skip(f"MariaDB is not reachable: {exc}")
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    conn.close()
    yield f"mysql+pymysql://root@127.0.0.1:3306/{name}"
    conn = pymysql.connect(**MARIADB)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


def migrated(url: str) -> str:
    """Apply every migration to the database at `url`; returns the URL."""
    MigrationRunner(engine_for(url)).migrate(log=lambda _: None)
    return url
