"""MySQL family (MariaDB, MySQL, TiDB): PyMySQL for SQL and LOAD DATA, connectorx for Arrow-native reads."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import polars as pl
import pymysql
from pymysql.constants import FIELD_TYPE
from sqlalchemy.engine import URL

from cockpit_pipelines.engines.base import CatalogColumn, Engine
from cockpit_pipelines.engines.postgres import csv_payload
from cockpit_pipelines.engines.sqltext import render_literals

_DECIMAL_TYPES = {FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL}


class MySQLEngine(Engine):
    family = "mysql"

    def __init__(self, url: URL) -> None:
        super().__init__(url)
        with self.transaction() as conn:
            cur = conn.cursor()
            cur.execute("SELECT VERSION()")
            self.version = cur.fetchone()[0]
            self.name = self._detect(cur)
        # connectorx cannot set a session time zone: its timestamps follow the server default.
        self._reader_offset_s = self._server_default_offset()

    def _detect(self, cur: Any) -> str:
        try:
            cur.execute("SELECT TIDB_VERSION()")
            return "tidb"
        except pymysql.err.MySQLError:
            return "mariadb" if "mariadb" in self.version.lower() else "mysql"

    def _server_default_offset(self) -> int:
        conn = pymysql.connect(**self._connect_args(utc=False))
        try:
            cur = conn.cursor()
            cur.execute("SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())")
            return int(cur.fetchone()[0])
        finally:
            conn.close()

    def _connect_args(self, *, utc: bool = True) -> dict[str, Any]:
        args: dict[str, Any] = {
            "host": self.url.host or "127.0.0.1",
            "port": self.url.port or 3306,
            "user": self.url.username or "root",
            "password": self.url.password or "",
            "database": self.url.database,
            "charset": "utf8mb4",
            "autocommit": False,
            "local_infile": True,
        }
        if utc:
            args["init_command"] = "SET time_zone = '+00:00'"
        return args

    def connect(self) -> pymysql.connections.Connection:
        return pymysql.connect(**self._connect_args())

    def _connectorx_uri(self) -> str:
        user = quote(self.url.username or "root", safe="")
        password = quote(self.url.password or "", safe="")
        return f"mysql://{user}:{password}@{self.url.host or '127.0.0.1'}:{self.url.port or 3306}/{self.database}"

    def read_frame(
        self, sql: str, params: Mapping[str, Any] | None = None, *, binary_uuids: bool = False
    ) -> pl.DataFrame:
        """connectorx; uuids are char(36) text here, so `binary_uuids` changes nothing."""
        return self._read(sql, params, None)

    @contextlib.contextmanager
    def frame_reader(self) -> Iterator[Callable[[str, Mapping[str, Any] | None], pl.DataFrame]]:
        """`read_frame` keeping one PyMySQL connection for the exact-type lookups (PyMySQL 2.2 builds a TLS
        context on every connect)."""
        conn = self.connect()
        try:
            yield lambda sql, params=None: self._read(sql, params, conn)
        finally:
            conn.close()

    def _read(self, sql: str, params: Mapping[str, Any] | None, conn: Any) -> pl.DataFrame:
        import connectorx

        rendered = render_literals(sql, params, self.family)
        frame = connectorx.read_sql(self._connectorx_uri(), rendered, return_type="polars")
        casts = self._result_casts(rendered, frame, conn)
        if self._reader_offset_s:
            for name, dtype in frame.schema.items():
                if isinstance(dtype, pl.Datetime):
                    casts[name] = pl.col(name) - pl.duration(seconds=self._reader_offset_s)
        return frame.with_columns(**casts) if casts else frame

    def _result_casts(self, rendered: str, frame: pl.DataFrame, conn: Any = None) -> dict[str, pl.Expr]:
        """Exact DECIMAL(p,s) and BOOLEAN types, which connectorx widens to Decimal(38,10) and Int8."""
        if not any(isinstance(t, pl.Decimal) or t == pl.Int8 for t in frame.schema.values()):
            return {}
        with self.transaction() if conn is None else contextlib.nullcontext(conn) as meta:
            cur = meta.cursor()
            cur.execute(f"SELECT * FROM ({rendered}) AS q LIMIT 0")
            description = cur.description
            meta.rollback()
        casts: dict[str, pl.Expr] = {}
        for name, type_code, _, length, precision, scale, _ in description:
            if type_code in _DECIMAL_TYPES and precision:
                digits = precision - (1 if scale else 0) - 1  # PyMySQL reports the display width
                casts[name] = pl.col(name).cast(pl.Decimal(max(digits, scale or 0, 1), scale))
            elif type_code == FIELD_TYPE.TINY and length == 1:
                casts[name] = pl.col(name).cast(pl.Boolean)
        return casts

    def insert_frame(self, conn: pymysql.connections.Connection, table: str, frame: pl.DataFrame) -> int:
        payload = csv_payload(frame, null="NULL", bool_as_int=True)
        columns = ", ".join(f"`{c}`" for c in frame.columns)
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
            handle.write(payload)
            path = handle.name
        try:
            cur = conn.cursor()
            cur.execute(
                f"LOAD DATA LOCAL INFILE %s INTO TABLE {table} CHARACTER SET utf8mb4 "
                "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' "
                f"LINES TERMINATED BY '\\n' ({columns})",
                [path],
            )
            loaded = cur.rowcount
            cur.execute("SHOW WARNINGS LIMIT 5")
            warnings = [w for w in cur.fetchall() if w[0] in ("Warning", "Error")]
            if warnings:
                raise ValueError(f"LOAD DATA into {table} was not exact: {warnings}")
            return loaded
        finally:
            os.unlink(path)

    @contextlib.contextmanager
    def advisory_lock(self, conn: Any, name: str, timeout_s: int = 600) -> Iterator[None]:
        cur = conn.cursor()
        cur.execute("SELECT GET_LOCK(%s, %s)", [name, timeout_s])
        if cur.fetchone()[0] != 1:
            raise TimeoutError(f"could not take the lock {name!r} within {timeout_s}s")
        try:
            yield
        finally:
            cur = conn.cursor()
            cur.execute("SELECT RELEASE_LOCK(%s)", [name])
            cur.fetchall()

    def catalog_columns(self, tables: Sequence[str] | None = None) -> dict[str, list[CatalogColumn]]:
        sql = """
            SELECT table_name, column_name, ordinal_position, column_type, is_nullable = 'YES', data_type
            FROM information_schema.columns
            WHERE table_schema = DATABASE()
            ORDER BY table_name, ordinal_position
        """
        result: dict[str, list[CatalogColumn]] = {}
        for table, column, position, column_type, nullable, _data_type in self.query(sql):
            if tables is None or table in tables:
                result.setdefault(table, []).append(
                    CatalogColumn(table, column, int(position), _type_spelling(str(column_type)), bool(nullable))
                )
        return result


def _type_spelling(column_type: str) -> str:
    """The catalog's COLUMN_TYPE in lower case, except the quoted values of ENUM and SET (case matters)."""
    head, paren, rest = column_type.partition("(")
    if head.lower() in ("enum", "set"):
        return head.lower() + paren + rest
    return column_type.lower()
