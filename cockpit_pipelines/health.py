"""Database health: snapshots of the engine's statistics, the policy of their checks, and the judgments.

A snapshot reads, at one moment, what the engine counts about each table and index of the warehouse:

- PostgreSQL: `pg_stat_user_tables` and `pg_statio_user_tables` (sizes, live and dead tuples, scans,
  heap and index blocks read and hit, last (auto)vacuum and (auto)analyze), `pg_stat_user_indexes`
  (scans), `pg_stat_database` (stats_reset, the database's buffer hit ratio) and, when the library is
  preloaded, `pg_stat_statements` (top statements by total time). A partitioned table or index is one row,
  summed over its partitions, so that a past month's partition nobody reads does not count as unused.
- MySQL family: `information_schema.TABLES` and `STATISTICS`, `mysql.innodb_table_stats` /
  `innodb_index_stats` (last statistics update, index sizes), the InnoDB buffer pool's hit ratio and,
  where `performance_schema` is on, index reads (`table_io_waits_summary_by_index_usage`) and statement
  digests (`events_statements_summary_by_digest`). Dead tuples and vacuums do not exist there (InnoDB
  purges old row versions itself); every metric a snapshot could not measure is named in `not_measured`.

The counters are cumulative since a reset (`stats_reset`; on the MySQL family, the server's start), so an
index is unused only when its scans did not grow between two snapshots taken `unused_indexes.days` apart,
with no reset and no re-creation of the index in between (`judge_unused`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.settings import POLICIES_DIR, read_yaml
from cockpit_pipelines.utc import naive_utc, now_utc

HEALTH_POLICY_FILE = POLICIES_DIR / "db_health.yaml"
SNAPSHOTS, TABLES, INDEXES = "db_health_snapshots", "db_health_tables", "db_health_indexes"
PG_STAT_STATEMENTS = "pg_stat_statements"

TABLE_COLUMNS: dict[str, pl.DataType] = {
    "table_name": pl.String, "partitions": pl.Int32, "total_bytes": pl.Int64, "table_bytes": pl.Int64,
    "index_bytes": pl.Int64, "free_bytes": pl.Int64, "live_tuples": pl.Int64, "dead_tuples": pl.Int64,
    "seq_scan": pl.Int64, "idx_scan": pl.Int64, "heap_blks_read": pl.Int64, "heap_blks_hit": pl.Int64,
    "idx_blks_read": pl.Int64, "idx_blks_hit": pl.Int64, "last_vacuum": pl.Datetime("us"),
    "last_autovacuum": pl.Datetime("us"), "last_analyze": pl.Datetime("us"), "last_autoanalyze": pl.Datetime("us"),
}
INDEX_COLUMNS: dict[str, pl.DataType] = {
    "table_name": pl.String, "index_name": pl.String, "index_id": pl.Int64, "is_unique": pl.Boolean,
    "is_primary": pl.Boolean, "size_bytes": pl.Int64, "idx_scan": pl.Int64,
}
STATEMENT_COLUMNS = ("statement_id", "query", "calls", "total_ms", "mean_ms", "rows")


# --- policy --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeptIndex:
    """An index kept on purpose although nothing scans it, and why."""

    table: str
    index: str
    reason: str


@dataclass(frozen=True)
class HealthPolicy:
    min_index_hit_ratio: float
    unused_days: int
    keep: tuple[KeptIndex, ...]
    max_dead_share: float
    min_dead_rows: int
    top_statements: int
    statement_chars: int

    def kept(self, table: str, index: str) -> KeptIndex | None:
        return next((k for k in self.keep if k.table == table and k.index == index), None)


def _number(data: Mapping[str, Any], section: str, key: str, path: Path, *, low: float, high: float | None = None,
            integer: bool = False) -> Any:
    value = (data.get(section) or {}).get(key)
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value < low or (high is not None and value > high):
        bounds = f">= {low}" + (f" and <= {high}" if high is not None else "")
        raise ValueError(f"{path.name}: {section}.{key} must be {'an integer' if integer else 'a number'} {bounds}, "
                         f"not {value!r}")
    return value


def load_policy(path: Path = HEALTH_POLICY_FILE) -> HealthPolicy:
    """The health checks' thresholds and kept indexes; an error names the file, the key and the rule."""
    data = read_yaml(path) or {}
    keep = []
    for i, item in enumerate((data.get("unused_indexes") or {}).get("keep") or []):
        missing = [k for k in ("table", "index", "reason") if not str((item or {}).get(k) or "").strip()]
        if missing:
            raise ValueError(f"{path.name}: unused_indexes.keep[{i}] needs a non-empty {', '.join(missing)} "
                             "(an index is kept on purpose only with its reason)")
        keep.append(KeptIndex(str(item["table"]), str(item["index"]), " ".join(str(item["reason"]).split())))
    return HealthPolicy(
        min_index_hit_ratio=float(_number(data, "index_hit_ratio", "min", path, low=0, high=1)),
        unused_days=_number(data, "unused_indexes", "days", path, low=1, integer=True),
        keep=tuple(keep),
        max_dead_share=float(_number(data, "dead_tuples", "max_share", path, low=0, high=1)),
        min_dead_rows=_number(data, "dead_tuples", "min_dead_rows", path, low=0, integer=True),
        top_statements=_number(data, "statements", "top", path, low=0, integer=True),
        statement_chars=_number(data, "statements", "text_chars", path, low=20, integer=True),
    )


# --- snapshot ------------------------------------------------------------------------------------


def ratio(hit: int | None, read: int | None) -> float | None:
    """hit / (hit + read); None when nothing was read or the engine does not count it."""
    if hit is None or read is None or hit + read == 0:
        return None
    return hit / (hit + read)


@dataclass
class Snapshot:
    """What the engine counts about the warehouse's tables and indexes at `taken_at`."""

    taken_at: datetime
    engine: str
    engine_version: str
    stats_reset: datetime | None
    tables: pl.DataFrame
    indexes: pl.DataFrame
    statements: list[dict[str, Any]] | None  # None: not available (see not_measured)
    buffer_hit_ratio: float | None
    not_measured: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def _sum(self, column: str) -> int | None:
        values = self.tables[column].drop_nulls()
        return int(values.sum()) if len(values) else None

    @property
    def index_hit_ratio(self) -> float | None:
        return ratio(self._sum("idx_blks_hit"), self._sum("idx_blks_read"))

    @property
    def table_hit_ratio(self) -> float | None:
        return ratio(self._sum("heap_blks_hit"), self._sum("heap_blks_read"))

    def zero_scan_indexes(self) -> pl.DataFrame:
        """Indexes never scanned since the reset (seed 002's query), primary keys and unique ones aside."""
        return self.indexes.filter((pl.col("idx_scan") == 0) & ~pl.col("is_unique") & ~pl.col("is_primary"))

    def summary_row(self, snapshot_date: date, run_id: str | None) -> dict[str, Any]:
        measured_scans = self.indexes["idx_scan"].null_count() < self.indexes.height
        return {
            "snapshot_date": snapshot_date, "taken_at": self.taken_at, "engine": self.engine,
            "engine_version": self.engine_version[:255], "stats_reset": self.stats_reset,
            "table_count": self.tables.height, "index_count": self.indexes.height,
            "total_bytes": self._sum("total_bytes"), "live_tuples": self._sum("live_tuples"),
            "dead_tuples": self._sum("dead_tuples"), "index_hit_ratio": self.index_hit_ratio,
            "table_hit_ratio": self.table_hit_ratio, "buffer_hit_ratio": self.buffer_hit_ratio,
            "zero_scan_indexes": self.zero_scan_indexes().height if measured_scans else None,
            "statements_available": self.statements is not None,
            "top_statements": json.dumps(self.statements) if self.statements is not None else None,
            "not_measured": json.dumps(self.not_measured) if self.not_measured else None,
            "run_id": run_id,
        }

    def frames(self, snapshot_date: date, run_id: str | None) -> dict[str, pl.DataFrame]:
        """The rows of the three health tables for `snapshot_date`."""
        day = pl.lit(snapshot_date, dtype=pl.Date).alias("snapshot_date")
        summary = pl.DataFrame([self.summary_row(snapshot_date, run_id)], schema=SNAPSHOT_COLUMNS)
        return {SNAPSHOTS: summary, TABLES: self.tables.select(day, pl.all()),
                INDEXES: self.indexes.select(day, pl.all())}


SNAPSHOT_COLUMNS: dict[str, pl.DataType] = {
    "snapshot_date": pl.Date, "taken_at": pl.Datetime("us"), "engine": pl.String, "engine_version": pl.String,
    "stats_reset": pl.Datetime("us"), "table_count": pl.Int32, "index_count": pl.Int32, "total_bytes": pl.Int64,
    "live_tuples": pl.Int64, "dead_tuples": pl.Int64, "index_hit_ratio": pl.Float64, "table_hit_ratio": pl.Float64,
    "buffer_hit_ratio": pl.Float64, "zero_scan_indexes": pl.Int32, "statements_available": pl.Boolean,
    "top_statements": pl.String, "not_measured": pl.String, "run_id": pl.String,
}


def rows_frame(rows: Iterable[tuple], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Query rows as a frame of `schema`: instants in naive UTC, decimals of counters as integers."""
    converted = [tuple(naive_utc(v) if isinstance(v, datetime) else (int(v) if isinstance(v, Decimal) else v)
                       for v in row) for row in rows]
    return pl.DataFrame(converted, schema=dict(schema), orient="row")


def take_snapshot(engine: Engine, policy: HealthPolicy) -> Snapshot:
    """The health of the warehouse `engine` points at, now."""
    with engine.session() as kept:
        return _postgres_snapshot(kept, policy) if engine.family == "postgresql" else _mysql_snapshot(kept, policy)


# --- PostgreSQL ----------------------------------------------------------------------------------

_PG_TABLES = """
    SELECT root.relname, count(*) FILTER (WHERE c.relkind = 'r'),
           sum(pg_total_relation_size(s.relid)), sum(pg_relation_size(s.relid)), sum(pg_indexes_size(s.relid)),
           NULL::bigint, sum(s.n_live_tup), sum(s.n_dead_tup), sum(s.seq_scan), sum(s.idx_scan),
           sum(io.heap_blks_read), sum(io.heap_blks_hit), sum(io.idx_blks_read), sum(io.idx_blks_hit),
           max(s.last_vacuum), max(s.last_autovacuum), max(s.last_analyze), max(s.last_autoanalyze)
    FROM pg_stat_user_tables s
    JOIN pg_statio_user_tables io ON io.relid = s.relid
    JOIN pg_class c ON c.oid = s.relid
    JOIN pg_class root ON root.oid = COALESCE(pg_partition_root(s.relid), s.relid)
    WHERE s.schemaname = current_schema()
    GROUP BY root.relname
    ORDER BY root.relname
"""

_PG_INDEXES = """
    SELECT tbl.relname, idx.relname, idx.oid::bigint, x.indisunique, x.indisprimary,
           sum(pg_relation_size(s.indexrelid)), sum(s.idx_scan)
    FROM pg_stat_user_indexes s
    JOIN pg_class idx ON idx.oid = COALESCE(pg_partition_root(s.indexrelid), s.indexrelid)
    JOIN pg_class tbl ON tbl.oid = COALESCE(pg_partition_root(s.relid), s.relid)
    JOIN pg_index x ON x.indexrelid = idx.oid
    WHERE s.schemaname = current_schema()
    GROUP BY tbl.relname, idx.relname, idx.oid, x.indisunique, x.indisprimary
    ORDER BY tbl.relname, idx.relname
"""


def _postgres_snapshot(engine: Engine, policy: HealthPolicy) -> Snapshot:
    taken_at = now_utc()
    stats_reset, blks_hit, blks_read = engine.query(
        "SELECT stats_reset, blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()")[0]
    not_measured = {}
    statements, note = _pg_statements(engine, policy)
    if statements is None:
        not_measured["top_statements"] = note
    return Snapshot(
        taken_at=taken_at, engine=engine.name, engine_version=engine.version.split(" on ")[0],
        stats_reset=naive_utc(stats_reset) if stats_reset else None,
        tables=rows_frame(engine.query(_PG_TABLES), TABLE_COLUMNS),
        indexes=rows_frame(engine.query(_PG_INDEXES), INDEX_COLUMNS),
        statements=statements, buffer_hit_ratio=ratio(blks_hit, blks_read), not_measured=not_measured,
        notes=[note] if statements is not None and note else [],
    )


def _pg_statements(engine: Engine, policy: HealthPolicy) -> tuple[list[dict[str, Any]] | None, str]:
    """The top statements of this database by total execution time, or None and why they are missing.

    They need the library preloaded by the server (`shared_preload_libraries`) and the extension in the
    database: where the library is loaded and the extension is not there yet, it is created."""
    preload = [name.strip() for name in str(engine.scalar("SHOW shared_preload_libraries")).split(",")]
    if PG_STAT_STATEMENTS not in preload:
        return None, (f"{PG_STAT_STATEMENTS} is not in the server's shared_preload_libraries: add it to "
                      "postgresql.conf and restart the server (the embedded server loads it at start)")
    note = ""
    schema = engine.scalar("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                           "WHERE e.extname = :name", {"name": PG_STAT_STATEMENTS})
    if schema is None:
        try:
            engine.execute(f"CREATE EXTENSION IF NOT EXISTS {PG_STAT_STATEMENTS}")
        except Exception as exc:
            return None, (f"{PG_STAT_STATEMENTS} is preloaded but the extension is not in this database and "
                          f"could not be created: {str(exc).strip().splitlines()[0]}")
        note = f"created the {PG_STAT_STATEMENTS} extension in this database"
        schema = engine.scalar("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                               "WHERE e.extname = :name", {"name": PG_STAT_STATEMENTS})
    rows = engine.query(
        f"""SELECT queryid::text, left(query, :chars), calls, total_exec_time, mean_exec_time, rows
            FROM "{schema}".{PG_STAT_STATEMENTS}
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL
            ORDER BY total_exec_time DESC LIMIT :top""",
        {"chars": policy.statement_chars, "top": policy.top_statements},
    )
    return [_statement(row) for row in rows], note


def _statement(row: tuple) -> dict[str, Any]:
    statement_id, query, calls, total_ms, mean_ms, rows = row
    return {"statement_id": str(statement_id), "query": " ".join(str(query).split()), "calls": int(calls),
            "total_ms": round(float(total_ms), 3), "mean_ms": round(float(mean_ms), 3), "rows": int(rows or 0)}


# --- MySQL family --------------------------------------------------------------------------------

_MY_TABLES = """
    SELECT t.table_name, 1, t.data_length + t.index_length, t.data_length, t.index_length, t.data_free,
           t.table_rows, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, {analyzed}
    FROM information_schema.TABLES t
    {stats_join}
    WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'
    ORDER BY t.table_name
"""

_MY_INDEXES = """
    SELECT table_name, index_name, NULL, MIN(non_unique) = 0, index_name = 'PRIMARY', NULL, NULL
    FROM information_schema.STATISTICS
    WHERE table_schema = DATABASE()
    GROUP BY table_name, index_name
    ORDER BY table_name, index_name
"""


def _mysql_snapshot(engine: Engine, policy: HealthPolicy) -> Snapshot:
    taken_at = now_utc()
    status = {str(k).lower(): v for k, v in engine.query(
        "SHOW GLOBAL STATUS WHERE Variable_name IN "
        "('Uptime', 'Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')")}
    started = taken_at - timedelta(seconds=int(status["uptime"])) if "uptime" in status else None
    requests, misses = status.get("innodb_buffer_pool_read_requests"), status.get("innodb_buffer_pool_reads")
    buffer = (ratio(int(requests) - int(misses), int(misses)) if requests is not None and misses is not None
              else None)
    not_measured = {
        "dead_tuples": "InnoDB has no dead tuples to count: it purges old row versions itself",
        "last_vacuum": "no VACUUM on the MySQL family (InnoDB purge; OPTIMIZE TABLE rebuilds a table)",
        "seq_scan": "not counted per table", "hit_ratio_by_table": "InnoDB counts one buffer pool for rows and "
        "indexes: buffer_hit_ratio stands for the index and table hit ratios",
    }
    innodb_stats = _readable(engine, "SELECT 1 FROM mysql.innodb_table_stats LIMIT 1")
    if innodb_stats:
        tables_sql = _MY_TABLES.format(
            analyzed="st.last_update",
            stats_join="LEFT JOIN mysql.innodb_table_stats st "
                       "ON st.database_name = t.table_schema AND st.table_name = t.table_name")
    else:
        tables_sql = _MY_TABLES.format(analyzed="NULL", stats_join="")
        not_measured["last_autoanalyze"] = "mysql.innodb_table_stats is not readable by this user"
        not_measured["index_size"] = "mysql.innodb_index_stats is not readable by this user"
    tables = rows_frame(engine.query(tables_sql), TABLE_COLUMNS)
    indexes = rows_frame(engine.query(_MY_INDEXES), INDEX_COLUMNS)
    if innodb_stats:
        indexes = _with_index_values(indexes, "size_bytes", engine.query(
            "SELECT table_name, index_name, stat_value * @@innodb_page_size FROM mysql.innodb_index_stats "
            "WHERE database_name = DATABASE() AND stat_name = 'size'"))
    performance_schema = engine.name != "tidb" and bool(int(engine.scalar("SELECT @@performance_schema") or 0))
    statements = None
    if performance_schema:
        # an index performance_schema has no row for was not read since the server started
        indexes = _with_index_values(indexes, "idx_scan", engine.query(
            "SELECT object_name, index_name, count_read FROM performance_schema.table_io_waits_summary_by_index_usage "
            "WHERE object_schema = DATABASE() AND index_name IS NOT NULL"), missing=0)
        statements = [_statement(row) for row in engine.query(
            "SELECT digest, LEFT(digest_text, :chars), count_star, sum_timer_wait / 1e9, avg_timer_wait / 1e9, "
            "sum_rows_sent FROM performance_schema.events_statements_summary_by_digest "
            "WHERE schema_name = DATABASE() ORDER BY sum_timer_wait DESC LIMIT :top",
            {"chars": policy.statement_chars, "top": policy.top_statements})]
    else:
        why = ("TiDB's performance_schema has no such tables" if engine.name == "tidb"
               else "performance_schema is off (performance_schema=ON in the server's configuration, then restart)")
        not_measured["idx_scan"] = f"index reads need performance_schema: {why}"
        not_measured["top_statements"] = f"statement digests need performance_schema: {why}"
    return Snapshot(
        taken_at=taken_at, engine=engine.name, engine_version=engine.version,
        stats_reset=started, tables=tables.select(list(TABLE_COLUMNS)), indexes=indexes.select(list(INDEX_COLUMNS)),
        statements=statements, buffer_hit_ratio=buffer, not_measured=not_measured,
    )


def _with_index_values(indexes: pl.DataFrame, column: str, rows: Iterable[tuple],
                       missing: int | None = None) -> pl.DataFrame:
    """`indexes` with `column` taken from (table_name, index_name, value) rows; `missing` where none."""
    values = rows_frame(rows, {"table_name": pl.String, "index_name": pl.String, column: pl.Int64})
    joined = indexes.drop(column).join(values, on=["table_name", "index_name"], how="left")
    return joined.with_columns(pl.col(column).fill_null(missing)) if missing is not None else joined


def _readable(engine: Engine, sql: str) -> bool:
    try:
        engine.query(sql)
    except Exception:
        return False
    return True


# --- judgments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexVerdict:
    """Whether an index was scanned over the policy's window: `unused`, `used`, `young` (no snapshot that
    old, or re-created since), `reset` (counters reset in between), `kept` (policy), `constraint`
    (primary key or unique), `not_measured` (the engine does not count its scans)."""

    table: str
    index: str
    status: str
    size_bytes: int | None
    scans: int | None = None
    since: date | None = None
    reason: str = ""


def judge_unused(history: pl.DataFrame, snapshots: pl.DataFrame, snapshot_date: date,
                 policy: HealthPolicy) -> list[IndexVerdict]:
    """Each index of the snapshot of `snapshot_date`, judged against the latest snapshot taken at least
    `policy.unused_days` before it (by `taken_at`, so that a backfill's snapshots, all read at the same
    moment, never make an index look old).

    `snapshots`: snapshot_date, taken_at, stats_reset of every snapshot; `history`: the rows of
    db_health_indexes of the snapshots taken from that baseline on.
    """
    snapshots = snapshots.sort("taken_at")
    latest = snapshots.filter(pl.col("snapshot_date") == snapshot_date).row(0, named=True)
    window = timedelta(days=policy.unused_days)
    earlier = snapshots.filter(pl.col("taken_at") <= latest["taken_at"] - window)
    baseline = earlier.row(-1, named=True) if earlier.height else None
    between = (snapshots.filter((pl.col("taken_at") >= baseline["taken_at"])
                                & (pl.col("taken_at") <= latest["taken_at"])) if baseline else snapshots.clear())
    reset = baseline is not None and any(r is not None and r > baseline["taken_at"] for r in between["stats_reset"])
    verdicts = []
    current = history.filter(pl.col("snapshot_date") == snapshot_date).sort("table_name", "index_name")
    for row in current.iter_rows(named=True):
        table, index, size = row["table_name"], row["index_name"], row["size_bytes"]
        kept = policy.kept(table, index)
        if row["is_primary"] or row["is_unique"]:
            verdicts.append(IndexVerdict(table, index, "constraint", size, reason="enforces a key"))
        elif kept:
            verdicts.append(IndexVerdict(table, index, "kept", size, reason=kept.reason))
        elif row["idx_scan"] is None:
            verdicts.append(IndexVerdict(table, index, "not_measured", size,
                                         reason="the engine does not count its scans"))
        elif baseline is None:
            verdicts.append(IndexVerdict(table, index, "young", size, reason=f"no snapshot taken {policy.unused_days} "
                                         "days before this one yet"))
        else:
            verdicts.append(_judge_one(row, history, between, reset, baseline["snapshot_date"]))
    return verdicts


def _judge_one(row: Mapping[str, Any], history: pl.DataFrame, between: pl.DataFrame, reset: bool,
               since: date) -> IndexVerdict:
    table, index, size = row["table_name"], row["index_name"], row["size_bytes"]
    series = (history.filter((pl.col("table_name") == table) & (pl.col("index_name") == index))
              .join(between.select("snapshot_date", "taken_at"), on="snapshot_date").sort("taken_at"))
    if series.height < between.height or series["index_id"].n_unique() > 1:
        return IndexVerdict(table, index, "young", size, since=since,
                            reason=f"not in every snapshot since {since}, or re-created since")
    scans = series["idx_scan"].to_list()
    if reset or any(b < a for a, b in itertools.pairwise(scans)):
        return IndexVerdict(table, index, "reset", size, since=since,
                            reason=f"statistics were reset after {since}: judged again once a snapshot after the "
                                   "reset is old enough")
    grown = scans[-1] - scans[0]
    if grown > 0:
        return IndexVerdict(table, index, "used", size, scans=grown, since=since)
    return IndexVerdict(table, index, "unused", size, scans=0, since=since, reason=f"no scan since {since}")


def dead_tuple_tables(tables: pl.DataFrame, policy: HealthPolicy) -> pl.DataFrame:
    """Tables of a snapshot whose dead tuples exceed the policy's share (and its minimum count)."""
    total = pl.col("live_tuples").fill_null(0) + pl.col("dead_tuples")
    return (tables.filter(pl.col("dead_tuples").is_not_null())
            .with_columns((pl.col("dead_tuples") / pl.when(total > 0).then(total)).alias("dead_share"))
            .filter((pl.col("dead_tuples") >= policy.min_dead_rows) & (pl.col("dead_share") > policy.max_dead_share))
            .select("table_name", "live_tuples", "dead_tuples", "dead_share", "last_vacuum", "last_autovacuum")
            .sort("dead_share", descending=True))


def read_history(engine: Engine, snapshot_date: date, policy: HealthPolicy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(every snapshot's date, taken_at and stats_reset; the index rows of those taken from the baseline
    of `snapshot_date`'s snapshot on) for `judge_unused`. Empty frames when there is no such snapshot."""
    snapshots = rows_frame(engine.query(f"SELECT snapshot_date, taken_at, stats_reset FROM {SNAPSHOTS} "
                                    "ORDER BY taken_at"),
                       {"snapshot_date": pl.Date, "taken_at": pl.Datetime("us"), "stats_reset": pl.Datetime("us")})
    latest = snapshots.filter(pl.col("snapshot_date") == snapshot_date)
    if latest.is_empty():
        return snapshots, pl.DataFrame(schema={"snapshot_date": pl.Date, **INDEX_COLUMNS})
    cutoff = latest["taken_at"][0] - timedelta(days=policy.unused_days)
    earlier = snapshots.filter(pl.col("taken_at") <= cutoff)
    start = earlier["taken_at"][-1] if earlier.height else latest["taken_at"][0]
    columns = ", ".join(f"i.{c}" for c in ["snapshot_date", *INDEX_COLUMNS])
    rows = engine.query(f"SELECT {columns} FROM {INDEXES} i JOIN {SNAPSHOTS} s ON s.snapshot_date = i.snapshot_date "
                        "WHERE s.taken_at >= :start", {"start": start})
    return snapshots, rows_frame([(*r[:4], bool(r[4]), bool(r[5]), *r[6:]) for r in rows],
                             {"snapshot_date": pl.Date, **INDEX_COLUMNS})
