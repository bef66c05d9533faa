"""Engine adapters. One warehouse URL selects the engine; unset, the embedded PostgreSQL is used."""

from __future__ import annotations

import functools
import os

from sqlalchemy.engine import URL, make_url

from cockpit_pipelines.engines.base import CatalogColumn, Engine
from cockpit_pipelines.settings import WAREHOUSE_URL_ENV

__all__ = ["CatalogColumn", "Engine", "UnsupportedEngineError", "WarehouseUnreachable", "engine_at", "engine_for",
           "resolve_url"]


UNKNOWN_DATABASE = 1049  # the MySQL family's error code for a database that does not exist


class UnsupportedEngineError(ValueError):
    pass


class WarehouseUnreachable(RuntimeError):
    """The warehouse's server refused or did not answer the first connection; the message names the URL
    (password hidden) and the server's reason."""


def resolve_url(url: str | None = None) -> str:
    """The warehouse URL: the argument, else `COCKPIT_WAREHOUSE_URL`, else the embedded PostgreSQL."""
    url = url or os.environ.get(WAREHOUSE_URL_ENV)
    if url:
        return url
    from cockpit_pipelines.engines.embedded import ensure_embedded

    return ensure_embedded()


@functools.cache
def _engine_for_url(url: str) -> Engine:
    return engine_at(make_url(url))


def engine_at(parsed: URL) -> Engine:
    """A new engine adapter for a URL (not cached: for a database used once, e.g. a scratch one)."""
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        import psycopg

        from cockpit_pipelines.engines.postgres import PostgresEngine

        try:
            return PostgresEngine(parsed)
        except psycopg.OperationalError as exc:
            missing = f'database "{parsed.database}" does not exist' in str(exc)
            raise _unreachable(parsed, str(exc), missing) from exc
    if backend in ("mysql", "mariadb"):
        import pymysql

        from cockpit_pipelines.engines.mysql import MySQLEngine

        try:
            return MySQLEngine(parsed)
        except pymysql.err.OperationalError as exc:
            raise _unreachable(parsed, str(exc.args[-1]), exc.args[0] == UNKNOWN_DATABASE) from exc
    raise UnsupportedEngineError(
        f"{WAREHOUSE_URL_ENV} uses '{backend}': use postgresql+psycopg://… or mysql+pymysql://…"
    )


def _unreachable(parsed: URL, reason: str, missing_database: bool = False) -> WarehouseUnreachable:
    shown = parsed.render_as_string(hide_password=True)
    reason = " ".join(line.strip() for line in reason.strip().splitlines())
    hint = (f"; the commands do not create the database: create it (CREATE DATABASE {parsed.database}), then run "
            "`cockpit migrate`" if missing_database else "")
    return WarehouseUnreachable(f"cannot connect to the warehouse {shown}: {reason}{hint}")


def engine_for(url: str | None = None) -> Engine:
    """The (cached, per process) engine adapter for a warehouse URL."""
    return _engine_for_url(resolve_url(url))
