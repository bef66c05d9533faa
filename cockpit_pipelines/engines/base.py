"""The engine adapter interface: one warehouse connection, whatever the engine."""

from __future__ import annotations

import contextlib
import copy
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.engine import URL

from cockpit_pipelines.engines.sqltext import to_pyformat


@dataclass(frozen=True)
class CatalogColumn:
    table: str
    name: str
    position: int
    data_type: str  # engine spelling, lower case, e.g. "character varying(36)", "timestamp(6)"
    nullable: bool


class Engine(ABC):
    """A warehouse engine: connections, Arrow-native reads, bulk writes and catalog queries."""

    family: str  # "postgresql" | "mysql"
    name: str  # "postgresql" | "mariadb" | "mysql" | "tidb"
    version: str
    _kept: Any = None  # the connection of an engine that `session()` yields

    def __init__(self, url: URL) -> None:
        self.url = url

    def describe(self) -> str:
        """The URL with its password hidden: safe for logs and the UI."""
        return self.url.render_as_string(hide_password=True)

    @property
    def database(self) -> str:
        return self.url.database or ""

    @abstractmethod
    def connect(self) -> Any:
        """A new DB-API connection, not in autocommit, with the session time zone set to UTC."""

    @contextlib.contextmanager
    def session(self) -> Iterator[Engine]:
        """This engine on one kept DB-API connection and one Arrow reader, for a series of statements and
        reads that should not cost a connect each. Its `execute`/`query` still commit one by one;
        `transaction()` groups statements on the kept connection."""
        kept = copy.copy(self)
        with contextlib.ExitStack() as stack:
            kept._kept = self.connect()
            stack.callback(kept._kept.close)
            kept.read_frame = stack.enter_context(self.frame_reader())  # type: ignore[method-assign]
            yield kept

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A connection whose work commits on success and rolls back on any error (the kept one in a
        `session()`)."""
        conn = self._kept or self.connect()
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if conn is not self._kept:
                conn.close()

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

    @abstractmethod
    def read_frame(
        self, sql: str, params: Mapping[str, Any] | None = None, *, binary_uuids: bool = False
    ) -> pl.DataFrame:
        """Run a query through an Arrow-native reader and return normalized Polars types:
        naive UTC datetimes, Decimal numerics, uuid and json as String, Boolean booleans.

        `binary_uuids`: keep uuid columns as their 16 bytes (pl.Binary) where the reader returns them so
        (ADBC on PostgreSQL), for large reads that only group or join on them; `uuid_text` turns them
        into text afterwards. Engines that store uuids as text return them as String regardless.
        """

    @contextlib.contextmanager
    def frame_reader(self) -> Iterator[Callable[[str, Mapping[str, Any] | None], pl.DataFrame]]:
        """`read_frame` for a series of queries (PostgreSQL keeps one ADBC connection open, in autocommit)."""
        yield self.read_frame

    @abstractmethod
    def insert_frame(self, conn: Any, table: str, frame: pl.DataFrame) -> int:
        """Bulk-insert a frame inside the caller's transaction; returns the rows written."""

    def replace_rows(
        self, table: str, frame: pl.DataFrame, *, delete_where: str, params: Mapping[str, Any]
    ) -> tuple[int, int]:
        """Delete the rows matching `delete_where` and insert `frame`, in one transaction.

        Returns (rows deleted, rows inserted). A failure leaves the old rows in place.
        """
        with self.transaction() as conn:
            return self.replace_in(conn, table, frame, delete_where=delete_where, params=params)

    def replace_in(
        self, conn: Any, table: str, frame: pl.DataFrame, *, delete_where: str, params: Mapping[str, Any]
    ) -> tuple[int, int]:
        """`replace_rows` inside the caller's transaction: (rows deleted, rows inserted)."""
        cur = conn.cursor()
        cur.execute(to_pyformat(f"DELETE FROM {table} WHERE {delete_where}", params), params)
        deleted = cur.rowcount
        inserted = self.insert_frame(conn, table, frame) if frame.height else 0
        return deleted, inserted

    @contextlib.contextmanager
    @abstractmethod
    def advisory_lock(self, conn: Any, name: str, timeout_s: int = 600) -> Iterator[None]:
        """Hold an exclusive, session-level named lock on `conn`."""

    @contextlib.contextmanager
    def locked_transaction(self, name: str, timeout_s: int = 600) -> Iterator[Any]:
        """A transaction on one connection that holds the named lock from before its first statement
        until after its commit (or rollback): overlapping writers of the same rows run one after the other."""
        conn = self.connect()
        try:
            with self.advisory_lock(conn, name, timeout_s):
                try:
                    yield conn
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
        finally:
            conn.close()

    @abstractmethod
    def catalog_columns(self, tables: Sequence[str] | None = None) -> dict[str, list[CatalogColumn]]:
        """Live columns per table of the current database/schema."""

    def ensure_month_partitions(self, table: str, start: date, end: date) -> list[str]:
        """Create the monthly partitions covering [start, end] where the engine partitions `table`."""
        return []

    def partition_key(self, table: str) -> str | None:
        """The partition key column of a range-partitioned table; None for any other table or engine."""
        return None

    def new_month_partitions(self, tables: Sequence[str], month: date) -> list[str]:
        """The tables of `tables` whose partition for `month` a bulk load may build (`bulk_month_partitions`):
        the engine partitions them by month, the partition does not exist yet and no row of the month is
        anywhere in the table. None where the engine has no such partitions."""
        return []

    def month_partition(self, load: Load, table: str, day: date) -> str | None:
        """The partition of `table` that holds `day`'s month, where the engine has one attached (a load
        writes it directly, not through the partitioned table); None otherwise."""
        return None

    @contextlib.contextmanager
    def load_transaction(self) -> Iterator[Load]:
        """One transaction of a bulk load (statements and bulk inserts), committed on success."""
        with self.transaction() as conn:
            yield DbapiLoad(self, conn)

    @contextlib.contextmanager
    def bulk_month_partitions(self, load: Load, tables: Sequence[str], month: date) -> Iterator[dict[str, str]]:
        """Within the load's transaction, build the new partitions of `month` of `tables` (which
        `new_month_partitions` returned): yields {table: the table to load}, and on success makes them the
        tables' partitions. Engines without such partitions accept no table."""
        if tables:
            raise NotImplementedError(f"{self.name} has no monthly partitions to build: {', '.join(tables)}")
        yield {}


class Load(ABC):
    """A bulk load's transaction: its statements and bulk inserts commit together."""

    @abstractmethod
    def execute(self, sql: str) -> None:
        """Run a statement (its values written in as literals)."""

    @abstractmethod
    def query(self, sql: str) -> list[tuple]:
        """Run a query and return its rows."""

    @abstractmethod
    def insert(self, table: str, frame: pl.DataFrame) -> int:
        """Bulk-insert the frame into `table`; returns the rows written."""


class DbapiLoad(Load):
    """A load on a DB-API connection of the engine, inserting with `Engine.insert_frame`."""

    def __init__(self, engine: Engine, conn: Any) -> None:
        self._engine, self._conn = engine, conn

    def execute(self, sql: str) -> None:
        self._conn.cursor().execute(sql)

    def query(self, sql: str) -> list[tuple]:
        cur = self._conn.cursor()
        cur.execute(sql)
        return list(cur.fetchall())

    def insert(self, table: str, frame: pl.DataFrame) -> int:
        return self._engine.insert_frame(self._conn, table, frame)


def uuid_text(series: pl.Series) -> pl.Series:
    """16-byte uuids (pl.Binary) as canonical lower-case text (8-4-4-4-12); nulls stay null."""
    hexed = series.bin.encode("hex")
    parts = [hexed.str.slice(0, 8), hexed.str.slice(8, 4), hexed.str.slice(12, 4), hexed.str.slice(16, 4),
             hexed.str.slice(20, 12)]
    return pl.select(pl.concat_str(parts, separator="-")).to_series().alias(series.name)


def binary_uuids_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every pl.Binary column (a uuid read with `binary_uuids=True`) as uuid text."""
    binary = [name for name, dtype in frame.schema.items() if dtype == pl.Binary]
    return frame.with_columns(uuid_text(frame[name]) for name in binary) if binary else frame
