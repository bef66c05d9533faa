"""PostgreSQL: psycopg 3 for SQL and COPY, ADBC for Arrow-native reads."""

from __future__ import annotations

import contextlib
import os
import queue
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl
import psycopg
import pyarrow as pa
from sqlalchemy.engine import URL

from cockpit_pipelines.engines.base import CatalogColumn, Engine, uuid_text
from cockpit_pipelines.engines.sqltext import render_literals


def _conninfo(url: URL) -> dict[str, Any]:
    info: dict[str, Any] = {"dbname": url.database or "postgres", "user": url.username or "postgres"}
    if url.password:
        info["password"] = url.password
    if url.host:
        info["host"] = url.host
    if url.port:
        info["port"] = url.port
    for key, value in url.query.items():
        info[key] = value if isinstance(value, str) else value[-1]
    return info


def _libpq_uri(url: URL) -> str:
    info = _conninfo(url)
    return psycopg.conninfo.make_conninfo(**info)


class PostgresEngine(Engine):
    family = "postgresql"

    def __init__(self, url: URL) -> None:
        super().__init__(url)
        self._conninfo = _conninfo(url)
        with self.transaction() as conn:
            self.version = conn.execute("SELECT version()").fetchone()[0]
        self.name = "postgresql"
        # Idle ADBC connections of this process, for the next reads (an ADBC connect costs ~60 ms).
        self._readers: queue.SimpleQueue = queue.SimpleQueue()
        self._readers_pid = os.getpid()

    def connect(self) -> psycopg.Connection:
        conn = psycopg.connect(**self._conninfo, options="-c TimeZone=UTC")
        return conn

    def read_frame(
        self, sql: str, params: Mapping[str, Any] | None = None, *, binary_uuids: bool = False
    ) -> pl.DataFrame:
        """ADBC, on an idle connection of the engine when there is one (autocommit: it holds no locks
        between reads). A reused connection that fails (the server may have closed it) is dropped and
        the read runs once more on a new one."""
        query = render_literals(sql, params, self.family)
        idle = self._idle_reader()
        if idle is not None:
            try:
                return self._read_on(idle, query, binary_uuids)
            except Exception:
                idle.close()
        return self._read_on(self._new_reader(), query, binary_uuids)

    def _idle_reader(self) -> Any:
        if self._readers_pid != os.getpid():  # a forked process must not share its parent's sockets
            self._readers, self._readers_pid = queue.SimpleQueue(), os.getpid()
        try:
            return self._readers.get_nowait()
        except queue.Empty:
            return None

    def _new_reader(self) -> Any:
        import adbc_driver_postgresql.dbapi as adbc

        conn = adbc.connect(_libpq_uri(self.url), autocommit=True)
        with conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        return conn

    def _read_on(self, conn: Any, query: str, binary_uuids: bool) -> pl.DataFrame:
        """Run the query on `conn`; the connection goes back to the idle ones after a read that worked."""
        try:
            with conn.cursor() as cur:
                cur.execute(query)
                table = cur.fetch_arrow_table()
        except BaseException:
            conn.close()
            raise
        self._readers.put(conn)
        return arrow_to_polars(table, binary_uuids=binary_uuids)

    @contextlib.contextmanager
    def frame_reader(self) -> Iterator[Callable[[str, Mapping[str, Any] | None], pl.DataFrame]]:
        """One ADBC connection (its connect costs ~0.1 s) for many reads; autocommit, so it holds no locks."""
        import adbc_driver_postgresql.dbapi as adbc

        with adbc.connect(_libpq_uri(self.url), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")

            def read(sql: str, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
                cur.execute(render_literals(sql, params, self.family))
                return arrow_to_polars(cur.fetch_arrow_table())

            yield read

    def insert_frame(self, conn: psycopg.Connection, table: str, frame: pl.DataFrame) -> int:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        payload = csv_payload(frame)
        with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
            copy.write(payload)
        return frame.height

    @contextlib.contextmanager
    def advisory_lock(self, conn: psycopg.Connection, name: str, timeout_s: int = 600) -> Iterator[None]:
        key = zlib.crc32(name.encode())
        conn.execute(f"SET lock_timeout = '{int(timeout_s)}s'")
        conn.execute("SELECT pg_advisory_lock(%s)", [key])
        conn.commit()
        try:
            yield
        finally:
            conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(%s)", [key])
            conn.commit()

    def catalog_columns(self, tables: Sequence[str] | None = None) -> dict[str, list[CatalogColumn]]:
        sql = """
            SELECT c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0
              AND NOT a.attisdropped AND NOT c.relispartition
            ORDER BY c.relname, a.attnum
        """
        result: dict[str, list[CatalogColumn]] = {}
        for table, column, position, data_type, nullable in self.query(sql):
            if tables is None or table in tables:
                result.setdefault(table, []).append(
                    CatalogColumn(table, column, position, data_type.lower(), nullable)
                )
        return result

    def ensure_month_partitions(self, table: str, start: date, end: date) -> list[str]:
        """pg_partman-style: create `<table>_pYYYYMM` partitions, moving matching rows out of DEFAULT."""
        partitioned = self.scalar(
            "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = :t AND c.relnamespace = current_schema()::regnamespace",
            {"t": table},
        )
        if not partitioned:
            return []
        key_column = self.scalar(
            "SELECT a.attname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0] "
            "WHERE c.relname = :t AND c.relnamespace = current_schema()::regnamespace",
            {"t": table},
        )
        created = []
        month = date(start.year, start.month, 1)
        while month <= end:
            following = (month + timedelta(days=32)).replace(day=1)
            name = f"{table}_p{month:%Y%m}"
            if self._create_partition(table, key_column, name, month, following):
                created.append(name)
            month = following
        return created

    def _create_partition(self, table: str, key: str, name: str, lower: date, upper: date) -> bool:
        with self.transaction() as conn:
            exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [name]).fetchone()[0]
            if exists:
                return False
            conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            if conn.execute("SELECT to_regclass(%s) IS NOT NULL", [name]).fetchone()[0]:
                return False
            default = f"{table}_default"
            bounds = f"FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"
            has_default = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [default]).fetchone()[0]
            if has_default:
                conn.execute(f"ALTER TABLE {table} DETACH PARTITION {default}")
            conn.execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES {bounds}")
            if has_default:
                where = f'"{key}" >= %s AND "{key}" < %s'
                stored = ", ".join(f'"{c}"' for c in self._stored_columns(conn, table))
                conn.execute(
                    f"WITH moved AS (DELETE FROM {default} WHERE {where} RETURNING {stored}) "
                    f"INSERT INTO {name} ({stored}) SELECT {stored} FROM moved",
                    [lower, upper],
                )
                conn.execute(f"ALTER TABLE {table} ATTACH PARTITION {default} DEFAULT")
        return True

    @staticmethod
    def _stored_columns(conn: psycopg.Connection, table: str) -> list[str]:
        """The columns of `table` that rows carry (generated columns are computed on insert)."""
        rows = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
            [table],
        ).fetchall()
        return [r[0] for r in rows]


def arrow_to_polars(table: pa.Table, *, binary_uuids: bool = False) -> pl.DataFrame:
    """Normalize ADBC's PostgreSQL Arrow types to the project's Polars types (uuid as 16-byte Binary
    when `binary_uuids`, else as text)."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
        pg_type = meta.get("POSTGRESQL:type", "")
        series = _normalize(field, column, pg_type, meta, binary_uuids)
        columns.append(series.alias(field.name))
    return pl.DataFrame(columns) if columns else pl.DataFrame()


def _normalize(field: pa.Field, column: pa.ChunkedArray, pg_type: str, meta: dict[str, str],
               binary_uuids: bool = False) -> pl.Series:
    if isinstance(field.type, pa.BaseExtensionType):
        column = pa.chunked_array([c.storage for c in column.chunks], type=field.type.storage_type)
    if pg_type in ("numeric", "uuid", "json", "jsonb"):
        storage = column
        series = pl.Series(field.name, storage)
        if pg_type == "uuid":
            return series.cast(pl.Binary) if binary_uuids else uuid_text(series)
        if pg_type == "numeric":
            typmod = int(meta.get("POSTGRESQL:typmod", "-1"))
            precision, scale = (((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF) if typmod > 0 else (38, 12)
            return series.cast(pl.Decimal(precision, scale))
        return series.cast(pl.String)
    if pa.types.is_interval(field.type):
        values = [
            None if v is None else timedelta(days=v.days + 30 * v.months, microseconds=v.nanoseconds // 1000)
            for v in column.to_pylist()
        ]
        return pl.Series(field.name, values, dtype=pl.Duration("us"))
    series = pl.Series(field.name, column)
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone is not None:
        series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return series


def csv_payload(
    frame: pl.DataFrame, *, null: str = "\\N", bool_as_int: bool = False, quote_all_text: bool = False
) -> bytes:
    """CSV bytes for COPY / LOAD DATA: ISO timestamps, explicit NULL marker, JSON kept as text."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        elif dtype == pl.Boolean and bool_as_int:
            col = col.cast(pl.Int8)
        elif isinstance(dtype, pl.Struct):
            col = col.struct.json_encode()
        elif isinstance(dtype, pl.List | pl.Array):
            raise TypeError(f"column {name}: write JSON arrays as JSON text (pl.String), not {dtype}")
        exprs.append(col)
    return frame.select(exprs).write_csv(
        include_header=False,
        null_value=null,
        datetime_format="%Y-%m-%d %H:%M:%S%.6f",
        date_format="%Y-%m-%d",
        quote_style="non_numeric" if quote_all_text else "necessary",
    ).encode()
