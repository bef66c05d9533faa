"""PostgreSQL: psycopg 3 for SQL and COPY, ADBC for Arrow-native reads."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import polars as pl
import psycopg
import pyarrow as pa
from sqlalchemy.engine import URL

from cockpit_pipelines.engines.base import CatalogColumn, Engine, Load, uuid_text
from cockpit_pipelines.engines.sqltext import render_literals
from cockpit_pipelines.utc import naive_utc_column

# Every session of the pipeline: in UTC, and with row_security off, so that a query that row-level security
# policies would filter (the pipeline connected as a role they apply to, not the tables' owner) fails
# with an error instead of reading a subset of the rows.
SESSION_OPTIONS = "-c TimeZone=UTC -c row_security=off"


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
    return psycopg.conninfo.make_conninfo(**_conninfo(url), options=SESSION_OPTIONS)


def libpq_target(url: URL) -> tuple[str, str | None]:
    """For PostgreSQL's client tools: the libpq conninfo of `url` without its password, and the password
    (which goes to them through PGPASSWORD, never on a command line)."""
    info = _conninfo(url)
    password = info.pop("password", None)
    return psycopg.conninfo.make_conninfo(**info), password


class PostgresEngine(Engine):
    family = "postgresql"

    def __init__(self, url: URL) -> None:
        super().__init__(url)
        self._conninfo = _conninfo(url)
        with self.transaction() as conn:
            self.version = conn.execute("SELECT version()").fetchone()[0]
        self.name = "postgresql"
        # Idle ADBC connections of this process, for the next reads (a new connection is not free).
        self._readers: queue.SimpleQueue = queue.SimpleQueue()
        self._readers_pid = os.getpid()

    def connect(self) -> psycopg.Connection:
        conn = psycopg.connect(**self._conninfo, options=SESSION_OPTIONS)
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

        return adbc.connect(_libpq_uri(self.url), autocommit=True)

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
        return arrow_to_polars(table, binary_uuids=binary_uuids, typmods=self._numeric_typmods(query, table))

    def _numeric_typmods(self, query: str, table: pa.Table) -> dict[str, int]:
        """The typmods of the query's numeric columns, which the ADBC driver does not report: from the
        query's description (planned, not run); empty when it has no numeric column."""
        if not any(_pg_type(field) == "numeric" and _typmod(field) is None for field in table.schema):
            return {}
        with self.transaction() as conn:
            cur = conn.execute(f"SELECT * FROM ({query}) AS described LIMIT 0")
            return {column.name: ((column.precision << 16) | column.scale) + 4 for column in cur.description
                    if column.type_code == NUMERIC_OID and column.precision is not None}

    @contextlib.contextmanager
    def frame_reader(self) -> Iterator[Callable[[str, Mapping[str, Any] | None], pl.DataFrame]]:
        """One ADBC connection for many reads; autocommit, so it holds no locks."""
        import adbc_driver_postgresql.dbapi as adbc

        with adbc.connect(_libpq_uri(self.url), autocommit=True) as conn, conn.cursor() as cur:

            def read(sql: str, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
                query = render_literals(sql, params, self.family)
                cur.execute(query)
                table = cur.fetch_arrow_table()
                return arrow_to_polars(table, typmods=self._numeric_typmods(query, table))

            yield read

    def insert_frame(self, conn: psycopg.Connection, table: str, frame: pl.DataFrame) -> int:
        return copy_csv(conn.cursor(), table, frame)

    @contextlib.contextmanager
    def load_transaction(self) -> Iterator[Load]:
        """A load on its own ADBC connection, whose inserts are binary COPY (`ArrowLoad`)."""
        import adbc_driver_postgresql.dbapi as adbc

        conn = adbc.connect(_libpq_uri(self.url), autocommit=False)
        try:
            yield ArrowLoad(conn)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

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
        key_column = self.partition_key(table)
        if key_column is None:
            return []
        created = []
        month = date(start.year, start.month, 1)
        while month <= end:
            following = next_month(month)
            name = partition_name(table, month)
            if self._create_partition(table, key_column, name, month, following):
                created.append(name)
            month = following
        return created

    def new_month_partitions(self, tables: Sequence[str], month: date) -> list[str]:
        month = month.replace(day=1)
        following = next_month(month)
        fresh = []
        for table in tables:
            key = self.partition_key(table)
            if key is None or self.scalar("SELECT to_regclass(:p) IS NOT NULL", {"p": partition_name(table, month)}):
                continue
            if not self.scalar(f'SELECT EXISTS (SELECT 1 FROM {table} WHERE "{key}" >= :lo AND "{key}" < :hi)',
                               {"lo": month, "hi": following}):
                fresh.append(table)
        return fresh

    @contextlib.contextmanager
    def bulk_month_partitions(self, load: Load, tables: Sequence[str], month: date) -> Iterator[dict[str, str]]:
        """How pg_partman and the PostgreSQL manual bulk-load a partition: each new partition starts as a
        plain table without indexes, with a CHECK of its bounds (so that ATTACH need not scan it); the rows
        are loaded; then every index of the parent is built on each by sort, and the tables are attached
        (their indexes become partitions of the parent's) and their CHECKs dropped. All in the load's
        transaction: the month appears whole at commit, or not at all."""
        month = month.replace(day=1)  # the whole month: no row of it is anywhere in the tables yet
        lower, upper = f"'{month.isoformat()}'", f"'{next_month(month).isoformat()}'"
        load.execute(f"SET LOCAL maintenance_work_mem = '{BULK_MAINTENANCE_WORK_MEM}'")
        built: dict[str, str] = {}
        for table in tables:
            key = self.partition_key(table)
            name = partition_name(table, month)
            load.execute(
                f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS, "
                f'CONSTRAINT {name}_bounds CHECK ("{key}" IS NOT NULL AND "{key}" >= {lower} AND "{key}" < {upper}))'
            )
            built[table] = name
        yield built
        for table, name in built.items():
            for statement in _index_statements(load, table, name):
                load.execute(statement)
        # Attached last: ATTACH locks the parent until commit, so another loader's month waits only for
        # these statements, not for this month's index builds.
        for table, name in built.items():
            load.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ({lower}) TO ({upper})")
            load.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bounds")

    def month_partition(self, load: Load, table: str, day: date) -> str | None:
        """`<table>_pYYYYMM` when it is attached to `table` and its bounds hold the whole day."""
        name = partition_name(table, day)
        found = load.query(
            "SELECT pg_get_partition_constraintdef(i.inhrelid), a.attname, format_type(a.atttypid, a.atttypmod) "
            "FROM pg_inherits i JOIN pg_partitioned_table p ON p.partrelid = i.inhparent "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            f"WHERE i.inhrelid = to_regclass('{name}') AND i.inhparent = to_regclass('{table}')"
        )
        if not found:
            return None
        constraint, key, key_type = found[0]
        first, last = datetime.combine(day, time.min), datetime.combine(day, time.max)
        holds = load.query(f'SELECT bool_and({constraint}) FROM (VALUES (CAST(\'{first}\' AS {key_type})), '
                           f'(CAST(\'{last}\' AS {key_type}))) AS v("{key}")')
        return name if holds[0][0] else None

    def partition_key(self, table: str) -> str | None:
        """The partition key column of a range-partitioned table; None for any other table."""
        return self.scalar(
            "SELECT a.attname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0] "
            "WHERE c.relname = :t AND c.relnamespace = current_schema()::regnamespace AND p.partstrat = 'r'",
            {"t": table},
        )

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


BULK_MAINTENANCE_WORK_MEM = "512MB"
_INDEX_HEAD = re.compile(r'^CREATE (UNIQUE )?INDEX (?:"[^"]+"|\S+) ON ONLY (?:"[^"]+"|\S+) USING ')


def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def _index_statements(load: Load, parent: str, table: str) -> list[str]:
    """The statements that give `table` an index matching each index of the partitioned `parent`, which
    ATTACH PARTITION then adopts: a primary key or unique constraint where the parent has one, else the
    parent's index definition on `table`."""
    rows = load.query(
        "SELECT pg_get_indexdef(i.indexrelid), c.contype, pg_get_constraintdef(c.oid) FROM pg_index i "
        "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        f"AND c.contype IN ('p', 'u') WHERE i.indrelid = '{parent}'::regclass ORDER BY i.indexrelid"
    )
    statements = []
    for definition, constraint_type, constraint in rows:
        if constraint_type:
            statements.append(f"ALTER TABLE {table} ADD {constraint}")
            continue
        head = _INDEX_HEAD.match(definition)
        if head is None:
            raise ValueError(f"{parent}: cannot build a partition index from {definition!r}")
        statements.append(f"CREATE {head.group(1) or ''}INDEX ON {table} USING {definition[head.end():]}")
    return statements


class ArrowLoad(Load):
    """A load transaction on an ADBC connection (its session in UTC): rows go in by binary COPY
    (`adbc_ingest`), each column as the Arrow type whose binary form is its PostgreSQL type's
    (`arrow_for_copy`), so that the server parses no text. A column that has no such form (an IPv6
    address, a numeric from floats, an interval such as "1 day") is loaded through a temporary table as
    text and cast by the server."""

    def __init__(self, conn: Any) -> None:
        self._cur = conn.cursor()
        self._types: dict[str, dict[str, tuple[str, str]]] = {}

    def execute(self, sql: str) -> None:
        self._cur.execute(sql)

    def query(self, sql: str) -> list[tuple]:
        self._cur.execute(sql)
        return list(self._cur.fetchall())

    def insert(self, table: str, frame: pl.DataFrame) -> int:
        if table not in self._types:  # read in this transaction: a table it created too
            self._types[table] = {name: (kind, declared) for name, kind, declared in self.query(
                "SELECT a.attname::text, CASE WHEN t.typtype = 'e' THEN 'enum' ELSE t.typname::text END, "
                "format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                f"WHERE a.attrelid = '{table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped"
            )}
        types = self._types[table]
        arrow, as_text = arrow_for_copy(frame, types)
        if not as_text:
            self._cur.adbc_ingest(table, arrow, mode="append")
            return frame.height
        stage = f"{table}_load_stage"
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        shape = ", ".join(f'"{c}"::text AS "{c}"' if c in as_text else f'"{c}"' for c in frame.columns)
        self.execute(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {shape} FROM {table} WITH NO DATA")
        self._cur.adbc_ingest(stage, arrow, mode="append", db_schema_name="pg_temp")
        cast = ", ".join(f'"{c}"::{types[c][1]}' if c in as_text else f'"{c}"' for c in frame.columns)
        self.execute(f"INSERT INTO {table} ({columns}) SELECT {cast} FROM {stage}")
        self.execute(f"DROP TABLE {stage}")
        return frame.height


# The Polars type of each PostgreSQL type (pg_type.typname; "enum" for every enum) whose Arrow form ADBC
# writes as that type's binary COPY value (uuid: its 16 bytes). numeric is not among them: the pinned
# driver (ADBC 1.8) silently writes wrong numerics at scales that are not a multiple of 4, and wherever
# the integer part holds a zero base-10000 digit (610000.50 as 615000.00), so `numeric_binary` gives
# a Decimal column's values as numeric's binary value, which the driver passes on as bytes.
COPY_TYPES: dict[str, pl.DataType] = {
    "uuid": pl.Binary(), "int2": pl.Int16(), "int4": pl.Int32(), "int8": pl.Int64(),
    "float4": pl.Float32(), "float8": pl.Float64(), "bool": pl.Boolean(), "date": pl.Date(),
    "timestamp": pl.Datetime("us"), "timestamptz": pl.Datetime("us"), "interval": pl.Duration("us"),
    "text": pl.String(), "varchar": pl.String(), "bpchar": pl.String(), "json": pl.String(),
    "enum": pl.String(), "bytea": pl.Binary(),
}
JSONB_VERSION = "\x01"  # jsonb's binary COPY value: this version byte, then the JSON text


def arrow_for_copy(frame: pl.DataFrame, types: Mapping[str, tuple[str, str]]) -> tuple[pa.Table, list[str]]:
    """The frame as the Arrow table a binary COPY into a table of column `types` ({column: (typname,
    declared type)}) takes, and the columns it carries as text instead (no Arrow form of their type, or
    a frame type that is not a lossless cast of it: the server casts them, as it parses CSV). Uuids as
    16 bytes, jsonb as its version byte and text, Decimals and IPv4 addresses as the binary values of
    numeric and inet, clock-style text intervals as durations, time-zone-aware timestamps as naive
    UTC."""
    exprs, as_text, as_bytes = [], [], {}
    for name, dtype in frame.schema.items():
        kind, (col, dtype) = types[name][0], _plain_column(name, dtype)
        target = COPY_TYPES.get(kind)
        if kind == "numeric" and isinstance(dtype, pl.Decimal) and dtype.precision <= NUMERIC_BINARY_PRECISION:
            as_bytes[name] = numeric_binary(frame[name])
            continue
        if kind == "inet" and dtype == pl.String and (addresses := inet4_binary(frame[name])) is not None:
            as_bytes[name] = addresses
            continue
        if kind == "interval" and dtype == pl.String and (clock := clock_durations(frame[name])) is not None:
            col = pl.lit(clock)
        elif kind == "uuid" and dtype == pl.String:
            col = col.str.replace_all("-", "", literal=True).str.decode("hex")
        elif kind == "jsonb" and dtype == pl.String:
            col = pl.concat_str([pl.lit(JSONB_VERSION), col]).cast(pl.Binary)
        elif target is not None and _casts_losslessly(dtype, target):
            col = col.cast(target)
        else:
            col = col.cast(pl.String)
            as_text.append(name)
        exprs.append(col.alias(name))
    arrow = frame.select(exprs).to_arrow(compat_level=pl.CompatLevel.oldest())
    if not as_bytes:
        return arrow, as_text
    columns = [as_bytes[name] if name in as_bytes else arrow.column(name) for name in frame.columns]
    return pa.Table.from_arrays(columns, names=frame.columns), as_text


def clock_durations(series: pl.Series) -> pl.Series | None:
    """A text column of clock-style intervals ("00:05:00": how PostgreSQL prints an interval under a day,
    and the MySQL family a TIME) as durations; None when some value has another form ("1 day")."""
    parsed = series.str.to_time("%H:%M:%S", strict=False)
    return parsed.cast(pl.Duration("us")) if parsed.null_count() == series.null_count() else None


NUMERIC_BINARY_PRECISION = 18  # every unscaled value fits in an int64
NUMERIC_NEGATIVE = 0x4000


def numeric_binary(series: pl.Series) -> pa.Array:
    """numeric's binary COPY value of each value of a Decimal series (precision at most 18): the digit
    count, the weight of the first base-10000 digit, the sign and the display scale, then the digits,
    every value with the same number of digits (the server strips zero digits, then rounds to the
    column's scale as its text input does)."""
    dtype = series.dtype
    assert isinstance(dtype, pl.Decimal) and dtype.precision <= NUMERIC_BINARY_PRECISION
    scale = dtype.scale
    unscaled = series.to_physical().cast(pl.Int64).fill_null(0).to_numpy()
    whole, fraction = np.divmod(np.abs(unscaled), 10**scale)
    whole_digits, fraction_digits = -(-(dtype.precision - scale) // 4), -(-scale // 4)
    width = 4 + whole_digits + fraction_digits
    words = np.empty((len(series), width), dtype=">i2")
    words[:, 0] = whole_digits + fraction_digits
    words[:, 1] = whole_digits - 1
    words[:, 2] = np.where(unscaled < 0, NUMERIC_NEGATIVE, 0)
    words[:, 3] = scale
    for k in range(whole_digits):
        words[:, 4 + k] = whole // 10_000 ** (whole_digits - 1 - k) % 10_000
    for k in range(fraction_digits):  # the fraction's digits in fours, the last padded with zeros
        shift = scale - 4 * (k + 1)
        words[:, 4 + whole_digits + k] = (
            fraction // 10**shift % 10_000 if shift >= 0 else fraction % 10 ** (scale - 4 * k) * 10**-shift
        )
    return _fixed_width_binary(series, words)


_OCTET, _BITS = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)", r"(3[0-2]|[12]?\d)"
IPV4 = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?:/{_BITS})?$"
PGSQL_AF_INET = 2  # inet's family byte of an IPv4 address


def inet4_binary(series: pl.Series) -> pa.Array | None:
    """inet's binary COPY value of each IPv4 address of a text column ("10.0.0.1", "10.0.0.0/8"): the
    family, the prefix bits, 0 (not a cidr), the address length and its four bytes; None when some
    value is no IPv4 address."""
    parts = series.str.extract_groups(IPV4).struct.unnest()
    if parts.to_series(0).null_count() != series.null_count():  # a value the pattern does not match
        return None
    octets = parts.select(pl.nth(range(4)).cast(pl.UInt8))
    words = np.zeros((len(series), 8), dtype=np.uint8)
    words[:, 0], words[:, 3] = PGSQL_AF_INET, 4
    words[:, 1] = parts.select(pl.nth(4).cast(pl.UInt8).fill_null(32)).to_series().to_numpy()
    words[:, 4:] = octets.fill_null(0).to_numpy()
    return _fixed_width_binary(series, words)


def _fixed_width_binary(series: pl.Series, values: np.ndarray) -> pa.Array:
    """A binary Arrow array of one value per row of `values` (each row's bytes), null where `series` is."""
    width = values.shape[1] * values.itemsize
    offsets = np.arange(len(series) + 1, dtype=np.int64) * width
    valid = pa.array(series.is_not_null().to_numpy()).buffers()[1] if series.null_count() else None
    return pa.Array.from_buffers(pa.large_binary(), len(series), [valid, pa.py_buffer(offsets), pa.py_buffer(values)],
                                 null_count=series.null_count())


def _plain_column(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.DataType]:
    """The column as the warehouse stores it, with its Polars type: a time-zone-aware datetime as naive
    UTC (the session's time zone), a struct as JSON text."""
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return naive_utc_column(pl.col(name)), pl.Datetime(dtype.time_unit)
    if isinstance(dtype, pl.Struct):
        return pl.col(name).struct.json_encode(), pl.String()
    return pl.col(name), dtype


def _casts_losslessly(dtype: pl.DataType, target: pl.DataType) -> bool:
    """Whether a frame column of `dtype` becomes `target` by a plain cast, as the server's own text
    input of its values would (integers to integers, numbers to floats, a datetime to microseconds)."""
    if dtype == target or dtype == pl.Null:
        return True
    if target.is_integer():
        return dtype.is_integer()
    if target.is_float():
        return dtype.is_numeric() and not isinstance(dtype, pl.Decimal)
    return isinstance(dtype, pl.Datetime) and isinstance(target, pl.Datetime)


def copy_csv(cur: psycopg.Cursor, table: str, frame: pl.DataFrame) -> int:
    """Write the frame's rows into `table` by `COPY … FROM STDIN (FORMAT csv)` (`csv_payload`); the
    server converts each value to its column's type. Returns the rows written."""
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
        copy.write(csv_payload(frame))
    return frame.height


NUMERIC_OID = 1700


def _pg_type(field: pa.Field) -> str:
    """The column's PostgreSQL type as the driver names it: every column's (ADBC 1.9 and later), or
    those it has no Arrow type of (uuid, numeric, inet …; ADBC 1.8)."""
    meta = field.metadata or {}
    return (meta.get(b"POSTGRESQL:type") or meta.get(b"ADBC:postgresql:typname") or b"").decode()


def _typmod(field: pa.Field) -> int | None:
    value = (field.metadata or {}).get(b"POSTGRESQL:typmod")
    return None if value is None else int(value)


def arrow_to_polars(table: pa.Table, *, binary_uuids: bool = False,
                    typmods: Mapping[str, int] | None = None) -> pl.DataFrame:
    """Normalize ADBC's PostgreSQL Arrow types to the project's Polars types (uuid as 16-byte Binary
    when `binary_uuids`, else as text; numeric as Decimal at the column's `typmods` precision and scale,
    else Decimal(38, 12))."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        pg_type = _pg_type(field)
        typmod = _typmod(field)
        meta = {"POSTGRESQL:typmod": str(typmod if typmod is not None else (typmods or {}).get(field.name, -1))}
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
        series = naive_utc_column(series)
    return series


def csv_payload(frame: pl.DataFrame, *, null: str = "\\N", bool_as_int: bool = False) -> bytes:
    """CSV bytes for COPY / LOAD DATA: ISO timestamps, JSON kept as text, the `null` marker unquoted and
    every text value quoted (so that a text equal to the marker stays text)."""
    exprs = []
    for name, dtype in frame.schema.items():
        col, _ = _plain_column(name, dtype)
        if dtype == pl.Boolean and bool_as_int:
            col = col.cast(pl.Int8)
        elif isinstance(dtype, pl.List | pl.Array):
            raise TypeError(f"column {name}: write JSON arrays as JSON text (pl.String), not {dtype}")
        exprs.append(col)
    return frame.select(exprs).write_csv(
        include_header=False,
        null_value=null,
        datetime_format="%Y-%m-%d %H:%M:%S%.6f",
        date_format="%Y-%m-%d",
        quote_style="non_numeric",
    ).encode()
