"""Engine adapters. One warehouse URL selects the engine; unset, the embedded PostgreSQL is used."""

from __future__ import annotations

import functools
import os

from sqlalchemy.engine import URL, make_url

from cockpit_pipelines.engines.base import CatalogColumn, Engine
from cockpit_pipelines.settings import WAREHOUSE_URL_ENV

__all__ = ["CatalogColumn", "Engine", "UnsupportedEngineError", "engine_at", "engine_for", "resolve_url"]


class UnsupportedEngineError(ValueError):
    pass


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
        from cockpit_pipelines.engines.postgres import PostgresEngine

        return PostgresEngine(parsed)
    if backend in ("mysql", "mariadb"):
        from cockpit_pipelines.engines.mysql import MySQLEngine

        return MySQLEngine(parsed)
    raise UnsupportedEngineError(
        f"{WAREHOUSE_URL_ENV} uses '{backend}': use postgresql+psycopg://… or mysql+pymysql://…"
    )


def engine_for(url: str | None = None) -> Engine:
    """The (cached, per process) engine adapter for a warehouse URL."""
    return _engine_for_url(resolve_url(url))
