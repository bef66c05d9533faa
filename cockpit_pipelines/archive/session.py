"""One run's connections: a DB-API connection for bookkeeping and deletes, and one Arrow reader."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import polars as pl

from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.engines.sqltext import to_pyformat


class Session:
    """The Engine calls the archiver makes (query, scalar, execute, transaction, read_frame) on connections
    kept for the whole run: a batch costs a few statements, not a few connects. Each `execute`/`query`
    commits on its own; `transaction()` groups statements."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.family = engine.family
        self._stack = contextlib.ExitStack()
        self._conn = engine.connect()
        self._stack.callback(self._conn.close)
        self._read = self._stack.enter_context(engine.frame_reader())

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        try:
            yield self._conn
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        with self.transaction() as conn:
            cur = conn.cursor()
            cur.execute(to_pyformat(sql, params), params or None)
            return cur.rowcount

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        with self.transaction() as conn:
            cur = conn.cursor()
            cur.execute(to_pyformat(sql, params), params or None)
            return list(cur.fetchall())

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def read_frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
        return self._read(sql, params)

    def partition_key(self, table: str) -> str | None:
        return self.engine.partition_key(table)


Database = Engine | Session  # what the archiver's statements run on
