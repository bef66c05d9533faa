"""The warehouse resource: one configurable handle on PostgreSQL, the MySQL family or the embedded default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.settings import WAREHOUSE_URL_ENV


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse: `COCKPIT_WAREHOUSE_URL` (a SQLAlchemy URL), or the embedded PostgreSQL when unset.

    Reads are Arrow-native (ADBC on PostgreSQL, connectorx on the MySQL family); writes use COPY or
    LOAD DATA. The URL is a secret: it is only ever shown with its password hidden.
    """

    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://… or mysql+pymysql://…). Unset: embedded PostgreSQL.",
    )

    @property
    def engine(self) -> Engine:
        return engine_for(self.url)

    def engine_family(self) -> str:
        """`postgresql` or `mysql`."""
        return self.engine.family

    def engine_name(self) -> str:
        """`postgresql`, `mariadb`, `mysql` or `tidb`, detected from VERSION() / TIDB_VERSION()."""
        return self.engine.name

    def read_frame(
        self, sql: str, params: Mapping[str, Any] | None = None, *, binary_uuids: bool = False
    ) -> pl.DataFrame:
        return self.engine.read_frame(sql, params, binary_uuids=binary_uuids)

    def replace_rows(
        self, table: str, frame: pl.DataFrame, *, delete_where: str, params: Mapping[str, Any]
    ) -> int:
        """Delete `delete_where` and insert `frame` in one transaction; returns the rows inserted."""
        return self.engine.replace_rows(table, frame, delete_where=delete_where, params=params)[1]

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        return self.engine.execute(sql, params)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        return self.engine.query(sql, params)


def warehouse_from_env() -> WarehouseResource:
    """The resource the code location uses: the URL stays an EnvVar so the UI never shows it."""
    if os.environ.get(WAREHOUSE_URL_ENV):
        return WarehouseResource(url=dg.EnvVar(WAREHOUSE_URL_ENV))
    return WarehouseResource()
