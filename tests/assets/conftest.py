"""Scratch warehouses for the analytics tests: a fresh `helper_c_*` database per test on the machine's
PostgreSQL and MariaDB, migrated with the project's own migrations (sql/postgresql, sql/mysql).

An engine that is not reachable makes its tests skip with a message that says so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pymysql
import pytest

from cockpit_pipelines.migrations import MigrationRunner
from cockpit_pipelines.resources import WarehouseResource

PG_HOST = os.environ.get("COCKPIT_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN = f"host={PG_HOST} port=5432 user=postgres dbname=postgres"
MARIADB = {"host": os.environ.get("COCKPIT_TEST_MARIADB_HOST", "127.0.0.1"), "port": 3306, "user": "root",
           "password": ""}


def _scratch_name() -> str:
    return f"helper_c_{uuid.uuid4().hex[:12]}"


def _postgres() -> Iterator[str]:
    name = _scratch_name()
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable ({PG_ADMIN}): {exc}")
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _mariadb() -> Iterator[str]:
    name = _scratch_name()
    try:
        conn = pymysql.connect(**MARIADB, connect_timeout=5)
    except pymysql.err.OperationalError as exc:
        pytest.skip(f"MariaDB is not reachable at {MARIADB['host']}:3306: {exc}")
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    conn.close()
    try:
        yield f"mysql+pymysql://root@{MARIADB['host']}:3306/{name}"
    finally:
        conn = pymysql.connect(**MARIADB)
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


@pytest.fixture(params=["postgres", "mariadb"])
def scratch_warehouse(request: pytest.FixtureRequest) -> Iterator[WarehouseResource]:
    """A migrated, empty warehouse on each engine family."""
    urls = _postgres() if request.param == "postgres" else _mariadb()
    url = next(urls)
    try:
        warehouse = WarehouseResource(url=url)
        MigrationRunner(warehouse.engine).migrate(log=lambda _line: None)
        yield warehouse
    finally:
        urls.close()


@pytest.fixture(scope="module", params=["postgres", "mariadb"])
def module_warehouse(request: pytest.FixtureRequest) -> Iterator[WarehouseResource]:
    """A migrated warehouse on each engine family, shared by the tests of one module."""
    urls = _postgres() if request.param == "postgres" else _mariadb()
    url = next(urls)
    try:
        warehouse = WarehouseResource(url=url)
        MigrationRunner(warehouse.engine).migrate(log=lambda _line: None)
        yield warehouse
    finally:
        urls.close()


@pytest.fixture
def postgres_admin() -> Iterator[psycopg.Connection]:
    """A connection to the machine's PostgreSQL (its `postgres` database), for pure SQL comparisons."""
    try:
        conn = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable ({PG_ADMIN}): {exc}")
    with conn:
        yield conn
