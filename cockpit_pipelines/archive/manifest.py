"""The `archive_manifest` table: one row per archived batch, from written to verified to deleted (or restored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.engines.sqltext import to_pyformat
from cockpit_pipelines.utc import naive_utc, now_utc

MANIFEST = "archive_manifest"
UNFINISHED = ("written", "verified")
_COLUMNS = ("id", "policy", "table_name", "range_start", "range_end", "cutoff", "file_uri", "row_count", "checksum",
            "status", "generation", "key_digest", "source_digest", "partition_name")


@dataclass(frozen=True)
class ManifestRow:
    id: int
    policy: str
    table: str
    start: datetime
    end: datetime
    cutoff: datetime
    uri: str
    row_count: int
    checksum: str
    status: str
    generation: int
    key_digest: int | None
    source_digest: Decimal | None
    partition: str | None

    def label(self) -> str:
        return f"{self.table} batch {self.id} [{self.start:%Y-%m-%d %H:%M:%S}, {self.end:%Y-%m-%d %H:%M:%S})"


@dataclass(frozen=True)
class Content:
    """What a batch file holds, as recorded in its manifest row."""

    uri: str
    row_count: int
    checksum: str
    size: int
    key_digest: int
    source_digest: Decimal | None


def _row(values: tuple) -> ManifestRow:
    v = [naive_utc(x) if isinstance(x, datetime) else x for x in values]
    return ManifestRow(
        id=int(v[0]), policy=v[1], table=v[2], start=v[3], end=v[4], cutoff=v[5], uri=v[6], row_count=int(v[7]),
        checksum=v[8].strip(), status=v[9], generation=int(v[10]),
        key_digest=None if v[11] is None else int(v[11]), source_digest=v[12], partition=v[13],
    )


def select(db: Engine, where: str, params: dict[str, Any]) -> list[ManifestRow]:
    sql = f"SELECT {', '.join(_COLUMNS)} FROM {MANIFEST} WHERE {where} ORDER BY range_start, generation, id"
    return [_row(r) for r in db.query(sql, params)]


def unfinished(db: Engine, table: str) -> list[ManifestRow]:
    """Batches a crashed run left written or verified: their rows are still in the table."""
    return select(db, "table_name = :t AND status IN ('written', 'verified')", {"t": table})


def archived(db: Engine, table: str, start: datetime, end: datetime) -> list[ManifestRow]:
    """Deleted (not restored) batches whose range overlaps [start, end)."""
    return select(db, "table_name = :t AND status = 'deleted' AND range_start < :end AND range_end > :start",
                  {"t": table, "start": start, "end": end})


def next_generation(db: Engine, table: str, start: datetime, end: datetime) -> int:
    top = db.scalar(
        f"SELECT MAX(generation) FROM {MANIFEST} WHERE table_name = :t AND range_start = :start AND range_end = :end",
        {"t": table, "start": start, "end": end},
    )
    return 0 if top is None else int(top) + 1


def insert(db: Engine, *, policy: str, table: str, start: datetime, end: datetime, cutoff: datetime,
           generation: int, content: Content, run_id: str | None) -> int:
    """Record a written batch; returns its id."""
    params = {"policy": policy, "t": table, "start": start, "end": end, "cutoff": cutoff, "uri": content.uri,
              "rows": content.row_count, "checksum": content.checksum, "created": now_utc(), "gen": generation,
              "key": Decimal(content.key_digest), "source": content.source_digest, "bytes": content.size,
              "run": run_id}
    sql = (f"INSERT INTO {MANIFEST} (policy, table_name, range_start, range_end, cutoff, file_uri, row_count, "
           "checksum, status, created_at, generation, key_digest, source_digest, file_bytes, run_id) VALUES "
           "(:policy, :t, :start, :end, :cutoff, :uri, :rows, :checksum, 'written', :created, :gen, :key, :source, "
           ":bytes, :run)")
    with db.transaction() as conn:
        cur = conn.cursor()
        if db.family == "postgresql":
            cur.execute(to_pyformat(sql + " RETURNING id", params), params)
            return int(cur.fetchone()[0])
        cur.execute(to_pyformat(sql, params), params)
        return int(cur.lastrowid)


def rewritten(db: Engine, row_id: int, content: Content, run_id: str | None) -> None:
    """A batch whose file was written again from the rows still in the table (back to `written`)."""
    db.execute(
        f"UPDATE {MANIFEST} SET status = 'written', file_uri = :uri, row_count = :rows, checksum = :checksum, "
        "key_digest = :key, source_digest = :source, file_bytes = :bytes, verified_at = NULL, run_id = :run "
        "WHERE id = :id AND status IN ('written', 'verified')",
        {"id": row_id, "uri": content.uri, "rows": content.row_count, "checksum": content.checksum,
         "key": Decimal(content.key_digest), "source": content.source_digest, "bytes": content.size, "run": run_id},
    )


def mark_verified(db: Engine, row_id: int) -> None:
    db.execute(f"UPDATE {MANIFEST} SET status = 'verified', verified_at = :now WHERE id = :id",
                   {"id": row_id, "now": now_utc()})


def mark_deleted(conn: Any, family: str, ids: list[int], partition: str | None = None) -> None:
    """Inside the caller's delete transaction."""
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    params: dict[str, Any] = {f"i{n}": i for n, i in enumerate(ids)}
    params.update(now=now_utc(), partition=partition)
    sql = (f"UPDATE {MANIFEST} SET status = 'deleted', deleted_at = :now, partition_name = :partition "
           f"WHERE id IN ({marks}) AND status = 'verified'")
    cur = conn.cursor()
    cur.execute(to_pyformat(sql, params), params)
    if cur.rowcount != len(ids):
        raise RuntimeError(f"{MANIFEST}: expected to mark {len(ids)} verified batch(es) deleted, marked {cur.rowcount}")


def mark_restored(conn: Any, row_id: int) -> None:
    params = {"id": row_id, "now": now_utc()}
    cur = conn.cursor()
    cur.execute(to_pyformat(f"UPDATE {MANIFEST} SET status = 'restored', restored_at = :now "
                            "WHERE id = :id AND status = 'deleted'", params), params)
    if cur.rowcount != 1:
        raise RuntimeError(f"{MANIFEST}: batch {row_id} is no longer deleted (restored by another run?)")


def abandon(db: Engine, row_id: int) -> None:
    """Forget an unfinished batch (its rows are still in the table), after its file was removed."""
    db.execute(f"DELETE FROM {MANIFEST} WHERE id = :id AND status IN ('written', 'verified')", {"id": row_id})
