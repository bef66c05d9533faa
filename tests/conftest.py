"""Real databases for the tests: the machine's PostgreSQL and MariaDB, and the embedded PostgreSQL
(COCKPIT_TEST_PG_HOST and COCKPIT_TEST_MARIADB_HOST name other servers). The one place tests get them.

Each test that asks for a warehouse gets a fresh, empty database that is dropped afterwards. A test
whose engine is not reachable is skipped with a message saying which engine and why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest

from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.migrations import MigrationRunner
from cockpit_pipelines.resources import WarehouseResource

REPO_ROOT = Path(__file__).resolve().parent.parent
PG_HOST = os.environ.get("COCKPIT_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN = f"host={PG_HOST} port=5432 user=postgres dbname=postgres"
MARIADB_HOST = os.environ.get("COCKPIT_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB = {"host": MARIADB_HOST, "port": 3306, "user": "root", "password": ""}
ENGINES = ("embedded", "postgres", "mariadb")
# derived table -> its key (CONTRACTS.md "Derived tables"), and the columns that differ between two builds
# of the same rows: what two warehouses are compared on
DERIVED_KEYS: dict[str, list[str]] = {
    "rag_metrics_history": ["date"],
    "usage_hourly": ["bucket", "org_id", "project_id", "model"],
    "usage_daily": ["bucket", "org_id", "project_id", "model", "user_id"],
    "usage_monthly": ["bucket", "org_id", "project_id", "model"],
    "token_usage_daily": ["usage_date", "project_id", "provider"],
    "metrics_hourly": ["bucket", "asset_id", "metric_type", "metric_name", "tenant_id"],
    "compliance_scores": ["score_date", "standard_id"],
}
VOLATILE = ("id", "computed_at", "user_key")


@pytest.fixture(scope="session", autouse=True)
def _isolated_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep tests away from the developer's `.cockpit/` and warehouse: a session COCKPIT_HOME."""
    home = tmp_path_factory.mktemp("cockpit_home")
    saved = {k: os.environ.get(k) for k in ("COCKPIT_HOME", "COCKPIT_WAREHOUSE_URL", "DAGSTER_HOME")}
    os.environ["COCKPIT_HOME"] = os.environ.get("COCKPIT_TEST_HOME", str(home))
    os.environ.pop("COCKPIT_WAREHOUSE_URL", None)
    os.environ["DAGSTER_HOME"] = str(Path(os.environ["COCKPIT_HOME"]) / "dagster_home")
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _new_name() -> str:
    return f"cockpit_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def embedded_server() -> Iterator[str]:
    """The embedded PostgreSQL, started once per test session and stopped at the end."""
    from cockpit_pipelines.engines import embedded

    try:
        url = embedded.ensure_embedded()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"embedded PostgreSQL could not start: {exc}")
    yield url
    embedded.stop_embedded()


def _postgres_database(admin: str = PG_ADMIN,
                       url_for: Callable[[str], str] = lambda db: f"postgresql+psycopg://postgres@{PG_HOST}:5432/{db}",
                       ) -> Iterator[str]:
    """A fresh database on a PostgreSQL server (`admin`: libpq conninfo of its `postgres` database)."""
    name = _new_name()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable ({admin}): {exc}")
    try:
        yield url_for(name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _mariadb_database() -> Iterator[str]:
    name = _new_name()
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


def fresh_database(engine: str) -> Iterator[str]:
    """A new empty database on the machine's PostgreSQL ("postgres") or MariaDB ("mariadb"), dropped
    after; skips when the server is unreachable. For fixtures of a wider scope than a test's."""
    return _postgres_database() if engine == "postgres" else _mariadb_database()


def migrated(url: str) -> str:
    """Apply every migration to the database at `url`; returns the URL."""
    MigrationRunner(engine_for(url)).migrate(log=lambda _: None)
    return url


def migrated_warehouse(engine: str) -> Iterator[WarehouseResource]:
    """A migrated, empty warehouse on a fresh database of `engine` ("postgres" or "mariadb")."""
    for url in fresh_database(engine):
        yield WarehouseResource(url=migrated(url))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_database()


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    yield from _mariadb_database()


@pytest.fixture
def embedded_url(embedded_server: str) -> Iterator[str]:
    socket_dir = embedded_server.split("host=", 1)[1]
    yield from _postgres_database(
        f"host={socket_dir} user=postgres dbname=postgres",
        lambda db: f"postgresql+psycopg://postgres@/{db}?host={socket_dir}",
    )


@pytest.fixture(params=ENGINES)
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """A fresh empty database on each engine: embedded PostgreSQL, machine PostgreSQL, MariaDB."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(params=("postgres", "mariadb"))
def server_url(request: pytest.FixtureRequest) -> str:
    """A fresh empty database on the machine's PostgreSQL and MariaDB (the two engine families)."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(params=["postgres", "mariadb"])
def scratch_warehouse(request: pytest.FixtureRequest) -> Iterator[WarehouseResource]:
    """A migrated, empty warehouse on each engine family."""
    yield from migrated_warehouse(request.param)


@pytest.fixture(scope="module", params=["postgres", "mariadb"])
def module_warehouse(request: pytest.FixtureRequest) -> Iterator[WarehouseResource]:
    """A migrated warehouse on each engine family, shared by the tests of one module."""
    yield from migrated_warehouse(request.param)


@pytest.fixture
def postgres_admin() -> Iterator[psycopg.Connection]:
    """A connection to the machine's PostgreSQL (its `postgres` database), for pure SQL comparisons."""
    try:
        conn = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable ({PG_ADMIN}): {exc}")
    with conn:
        yield conn
