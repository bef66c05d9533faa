"""The archiver (pt-archiver / pg_partman dump-and-drop): due rows → verified Parquet batches → deleted.

One run freezes `now`, so each policy's cutoff is fixed when the run starts. Per table, under a named
lock, it:

1. sweeps the temporary files of interrupted runs;
2. finishes the batches an interrupted run left `written` or `verified` (their rows are still in the
   table, since rows are only deleted in the transaction that marks the batch `deleted`);
3. plans the due rows in bounded batches: one per day (or month / year) of the batch key, split by
   time beyond `max_rows`; a day whose rollups have not been built from exactly its rows waits;
4. per batch: reads the rows (Arrow; the next batch is read meanwhile), writes the Parquet file under a
   temporary name and fsyncs it, records the manifest row (`written`: row count, SHA-256, key digest),
   renames the file into place, reads it back and compares it with the rows read (`verified`), then in
   one transaction deletes the range — the deleted rows must give the recorded count and key digest,
   or nothing is deleted — and marks the batch `deleted`;
5. a range partition wholly before the cutoff (PostgreSQL) is archived day by day the same way, then
   detached and dropped in one transaction that checks the partition holds exactly the verified rows.

A crash at any point leaves either no manifest row (only a temporary file, swept; the rows are still
there), an unfinished batch (its rows still there too; the next run writes its file again if needed and
finishes it), or a deleted batch: no row is lost or archived twice.
`fault` is called at each step (FAULT_POINTS) so tests can interrupt a run exactly there.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as midnight
from decimal import Decimal
from typing import Any

import polars as pl

from cockpit_pipelines.archive import manifest
from cockpit_pipelines.archive.dialect import KEY, Dialect, Partition
from cockpit_pipelines.archive.manifest import Content, ManifestRow
from cockpit_pipelines.archive.policies import Policy
from cockpit_pipelines.archive.store import ArchiveError, ArchiveStore, StoredFile, path_of
from cockpit_pipelines.builds import PARTITION_BUILDS, SOURCES, RawSource, fingerprint
from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.engines.sqltext import sql_literal, to_pyformat
from cockpit_pipelines.progress import Log, Progress
from cockpit_pipelines.utc import naive_utc, now_utc

FAULT_POINTS = ("file_written", "manifest_written", "verified", "deleted", "committed")
NOTIFICATIONS = "provenance_expiry_notifications"
LOCK_TIMEOUT_S = 300

Fault = Callable[[str, str], None]  # (point, batch label)


class GuardMismatch(ArchiveError):
    """The rows a delete would remove are not the rows archived (rows arrived or changed meanwhile)."""


@dataclass(frozen=True)
class Batch:
    start: datetime
    end: datetime
    first_day: date
    rows: int
    partition: str | None = None

    def label(self, table: str) -> str:
        return f"{table} [{self.start:%Y-%m-%d %H:%M:%S}, {self.end:%Y-%m-%d %H:%M:%S})"


@dataclass(frozen=True)
class Blocked:
    day: date
    reason: str


@dataclass
class Plan:
    """What a run of one policy would do now (nothing is written to make it)."""

    policy: Policy
    cutoff: datetime
    batches: list[Batch]
    blocked: list[Blocked]
    unfinished: list[ManifestRow]
    partitions: list[Partition]

    @property
    def rows(self) -> int:
        return sum(b.rows for b in self.batches)

    def summary(self) -> str:
        table = self.policy.table
        head = f"{table}: {self.policy.describe()}, cutoff {self.cutoff:%Y-%m-%d %H:%M:%S} UTC"
        if self.batches:
            days = f"{self.batches[0].first_day} .. {(self.batches[-1].end - timedelta(microseconds=1)).date()}"
            body = f"{self.rows:,} row(s) in {len(self.batches)} batch(es), {days}"
        else:
            body = "nothing due"
        parts = [head, body]
        if self.partitions:
            parts.append(f"partitions to drop: {', '.join(p.name for p in self.partitions)}")
        if self.unfinished:
            parts.append(f"{len(self.unfinished)} unfinished batch(es) of an interrupted run to finish")
        if self.blocked:
            parts.append(_blocked_text(self.blocked))
        return "; ".join(parts)


@dataclass
class PolicyResult:
    """What a run of one policy did."""

    policy: Policy
    cutoff: datetime
    rows: int = 0
    batches: int = 0
    bytes: int = 0
    resumed: int = 0
    abandoned: int = 0
    rearchived: int = 0
    notifications: int = 0
    swept: int = 0
    seconds: float = 0.0
    partitions_dropped: list[str] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    days: set[date] = field(default_factory=set)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        table = self.policy.table
        parts = [f"{table}: archived {self.rows:,} row(s) in {self.batches} batch(es)"]
        if self.days:
            parts[0] += f", {min(self.days)} .. {max(self.days)}"
        parts.append(f"cutoff {self.cutoff:%Y-%m-%d %H:%M:%S} UTC")
        if self.partitions_dropped:
            parts.append(f"dropped {', '.join(self.partitions_dropped)}")
        if self.resumed or self.abandoned:
            parts.append(f"finished {self.resumed} / abandoned {self.abandoned} interrupted batch(es)")
        if self.rearchived:
            parts.append(f"{self.rearchived} batch(es) archived again after their rows changed")
        if self.notifications:
            parts.append(f"{self.notifications} owner notification(s)")
        if self.blocked:
            parts.append(_blocked_text(self.blocked))
        parts.append(f"{self.seconds:.1f}s, {self.rows_per_second:,.0f} rows/s")
        return "; ".join(parts)


def _blocked_text(blocked: Sequence[Blocked]) -> str:
    first = blocked[0]
    more = f" (and {len(blocked) - 1} more day(s))" if len(blocked) > 1 else ""
    return f"{len(blocked)} day(s) wait: {first.day}: {first.reason}{more}"


class Archiver:
    """Runs retention policies on one warehouse with one frozen `now`."""

    def __init__(
        self,
        engine: Engine,
        *,
        now: datetime | None = None,
        store: ArchiveStore | None = None,
        run_id: str | None = None,
        fault: Fault | None = None,
        log: Log | None = None,
        progress: bool = True,
    ) -> None:
        self.engine = engine
        self.db = engine
        self._session: contextlib.ExitStack | None = None
        self.now = naive_utc(now) if now else now_utc()
        self.store = store or ArchiveStore()
        self.run_id = run_id
        self.fault = fault or (lambda _point, _label: None)
        self.log = log or (lambda _line: None)
        self.progress = progress

    def __enter__(self) -> Archiver:
        """Keep one bookkeeping connection and one Arrow reader for the whole run."""
        self._session = contextlib.ExitStack()
        self.db = self._session.enter_context(self.engine.session())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        self.db = self.engine

    # --- planning --------------------------------------------------------------------------------

    def plan(self, policy: Policy) -> Plan:
        """The batches due now (read-only: the dry run and the first step of a run)."""
        d = Dialect(self.db, policy)
        cutoff = policy.cutoff(self.now)
        unfinished = manifest.unfinished(self.db, policy.table)
        where, params = f"{d.key} < :cutoff", {"cutoff": cutoff}
        for i, row in enumerate(unfinished):  # a dry run must not count them twice
            where += f" AND NOT ({d.key} >= :us{i} AND {d.key} < :ue{i})"
            params.update({f"us{i}": row.start, f"ue{i}": row.end})
        units = self.db.query(
            f"SELECT {d.unit(d.key)} AS unit, COUNT(*) FROM {policy.table} WHERE {where} GROUP BY 1 ORDER BY 1", params
        )
        batches: list[Batch] = []
        for unit, count in units:
            first_day = _as_date(unit)
            start = datetime.combine(first_day, midnight())
            end = min(_span_end(start, policy.span), cutoff)
            batches.extend(self._split(d, start, end, first_day, int(count)))
        blocked: list[Blocked] = []
        if policy.requires_built and batches:
            problems = self._dependency_problems(d, sorted({b.first_day for b in batches}))
            blocked = [Blocked(day, reason) for day, reason in sorted(problems.items())]
            batches = [b for b in batches if b.first_day not in problems]
        partitions = d.droppable_partitions(cutoff)
        batches = [_in_partition(b, partitions) for b in batches]
        return Plan(policy, cutoff, batches, blocked, unfinished, partitions)

    def _split(self, d: Dialect, start: datetime, end: datetime, first_day: date, count: int) -> list[Batch]:
        """[start, end) as batches of at most max_rows rows (ties at a boundary go to the later batch)."""
        cap = d.policy.max_rows
        if count <= cap:
            return [Batch(start, end, first_day, count)]
        keys = self.db.read_frame(
            f"SELECT {d.key} AS k FROM {d.table.name} WHERE {d.in_range()}", {"start": start, "end": end}
        )["k"].sort()
        bounds = [start, *keys.gather(list(range(cap, keys.len(), cap))).unique(maintain_order=True), end]
        bounds = [b for i, b in enumerate(bounds) if i == 0 or b > bounds[i - 1]]
        counts = keys.search_sorted(pl.Series(bounds), side="left").to_list()
        return [Batch(lo, hi, first_day, counts[i + 1] - counts[i])
                for i, (lo, hi) in enumerate(itertools.pairwise(bounds)) if counts[i + 1] > counts[i]]

    def _dependency_problems(self, d: Dialect, days: Sequence[date]) -> dict[date, str]:
        """Days not yet safe to delete: a required asset has not built the day, or built it from other rows.

        The rows of a day are those still in the table plus those already archived and deleted from it.
        """
        source = rollup_source(d.table.name)
        start, end = datetime.combine(min(days), midnight()), datetime.combine(max(days), midnight()) + timedelta(1)
        raw = {_as_date(r[0]): (int(r[1]), r[2] or 0)
               for r in self.db.query(source.stats_sql(d.family), {**source.params, "start": start, "end": end})}
        gone: dict[date, tuple[int, Decimal]] = {}
        for row in manifest.select(self.db, "table_name = :t AND status = 'deleted' AND range_start >= :start "
                                   "AND range_start < :end", {"t": d.table.name, "start": start, "end": end}):
            rows, total = gone.get(row.start.date(), (0, Decimal(0)))
            gone[row.start.date()] = (rows + row.row_count, total + (row.source_digest or 0))
        names = list(d.policy.requires_built)
        marks = ", ".join(f":a{i}" for i in range(len(names)))
        builds = {(r[0], _as_date(r[1])): r[2] for r in self.db.query(
            f"SELECT asset_key, partition_date, source_fingerprint FROM {PARTITION_BUILDS} "
            f"WHERE asset_key IN ({marks}) AND partition_date >= :start AND partition_date < :end",
            {**{f"a{i}": n for i, n in enumerate(names)}, "start": start.date(), "end": end.date()},
        )}
        problems: dict[date, str] = {}
        for day in days:
            rows, total = raw.get(day, (0, 0))
            archived_rows, archived_total = gone.get(day, (0, Decimal(0)))
            expected = fingerprint(rows + archived_rows, Decimal(total) + archived_total)
            for asset in names:
                built = builds.get((asset, day))
                if built is None:
                    problems[day] = f"{asset} has not built {day} yet"
                    break
                if built != expected:
                    problems[day] = f"{asset} built {day} from other rows than the table holds (late data?): rebuild it"
                    break
        return problems

    # --- running ---------------------------------------------------------------------------------

    def run(self, policy: Policy) -> PolicyResult:
        """Archive and delete everything due under `policy`, finishing an interrupted run first."""
        started = time.perf_counter()
        d = Dialect(self.db, policy)
        self._check_inbound_keys(d)
        result = PolicyResult(policy, policy.cutoff(self.now))
        with table_lock(self.engine, policy.table):
            result.swept = self._sweep(policy.table)
            for row in manifest.unfinished(self.db, policy.table):
                self._resume(d, row, result)
            plan = self.plan(policy)
            result.blocked.extend(plan.blocked)
            with self._progress(policy.table, len(plan.batches)) as advance:
                group: list[tuple[int, Batch, Content]] = []  # verified batches of the current partition
                current: str | None = None
                for batch, rows in self._prefetched(d, plan.batches):
                    if batch.partition != current:
                        self._finish_partition(d, result, plan, current, group)
                        group, current = [], batch.partition
                    archived = self._archive(d, result, batch, rows)
                    if archived is not None and batch.partition:
                        group.append((archived[0], batch, archived[1]))
                    elif archived is not None:
                        self._delete(d, result, archived[0], batch.start, batch.end, archived[1])
                    advance(batch)
                self._finish_partition(d, result, plan, current, group)
            used = {b.partition for b in plan.batches}
            for part in plan.partitions:
                if part.name not in used:
                    self._drop_partition(d, result, part, [])
        result.seconds = time.perf_counter() - started
        return result

    @contextlib.contextmanager
    def _progress(self, table: str, total: int) -> Iterator[Callable[[Batch], None]]:
        if not self.progress or not total:
            yield lambda _batch: None
            return
        with Progress(f"archive {table}", total=total, unit="batch") as bar:
            yield lambda batch: bar.advance(label=f"{batch.start:%Y-%m-%d} {batch.rows:,} rows")

    def _sweep(self, table: str) -> int:
        return len(self.store.sweep(table))

    def _check_inbound_keys(self, d: Dialect) -> None:
        for key in d.inbound_keys():
            if key.on_delete in ("cascade", "set null", "set default"):
                raise ArchiveError(
                    f"{key.table}.{key.constraint} references {d.table.name} ON DELETE {key.on_delete.upper()}: "
                    f"deleting archived {d.table.name} rows would change {key.table} rows that are not archived"
                )

    def _prefetched(self, d: Dialect, batches: list[Batch]) -> Iterator[tuple[Batch, tuple[pl.DataFrame, pl.Series]]]:
        """The batches with their rows: the next batch is read (on a connection of its own) while the current
        one is written, verified and deleted. Reads change nothing, so a crash leaves nothing to undo."""
        if len(batches) < 2:
            for batch in batches:
                yield batch, self._read(d, batch.start, batch.end)
            return
        with self.engine.frame_reader() as read, ThreadPoolExecutor(1, thread_name_prefix="archive-read") as pool:
            pending = pool.submit(self._read, d, batches[0].start, batches[0].end, read)
            for i, batch in enumerate(batches):
                rows = pending.result()
                if i + 1 < len(batches):
                    pending = pool.submit(self._read, d, batches[i + 1].start, batches[i + 1].end, read)
                yield batch, rows

    def _finish_partition(self, d: Dialect, result: PolicyResult, plan: Plan, name: str | None,
                          done: list[tuple[int, Batch, Content]]) -> None:
        """After a partition's days are archived: drop it; if it holds other rows, delete the batches instead."""
        if name is None:
            return
        part = next(p for p in plan.partitions if p.name == name)
        if self._drop_partition(d, result, part, done):
            return
        for row_id, batch, content in done:
            self._delete(d, result, row_id, batch.start, batch.end, content)

    def _read(self, d: Dialect, start: datetime, end: datetime,
              read: Callable[..., pl.DataFrame] | None = None) -> tuple[pl.DataFrame, pl.Series]:
        """The rows of [start, end) and their batch keys."""
        frame = (read or self.db.read_frame)(
            f"SELECT {d.select_list()} FROM {d.table.name} WHERE {d.in_range()}", {"start": start, "end": end})
        if d.key_is_column:
            return frame, frame[d.policy.column]
        return frame.drop(KEY), frame[KEY]

    def _stage(self, d: Dialect, frame: pl.DataFrame, keys: pl.Series, path: Any) -> tuple[StoredFile, Content]:
        """The batch file, staged (not yet published), and what its manifest row records."""
        stored = self.store.stage(frame, path)
        source_digest = None
        if d.policy.requires_built and (digest := rollup_source(d.table.name).digest_column):
            column = frame[digest]
            total = (column.cast(pl.Int64) if column.dtype.is_integer() else column).sum()
            source_digest = Decimal(total or 0)
        return stored, Content(uri=stored.uri, row_count=frame.height, checksum=stored.sha256, size=stored.size,
                               key_digest=epoch_digest(keys), source_digest=source_digest)

    def _archive(self, d: Dialect, result: PolicyResult, batch: Batch,
                 rows: tuple[pl.DataFrame, pl.Series]) -> tuple[int, Content] | None:
        """Write, record and verify one batch read as `rows`; returns (manifest id, content), or None if
        nothing is due."""
        label = batch.label(d.table.name)
        frame, keys = rows
        if frame.height == 0:
            return None
        if d.policy.requires_built:
            problem = self._dependency_problems(d, [batch.first_day]).get(batch.first_day)
            if problem:
                result.blocked.append(Blocked(batch.first_day, problem))
                return None
        generation = manifest.next_generation(self.db, d.table.name, batch.start, batch.end)
        path = self.store.path(d.table.name, batch.first_day, batch.start, batch.end, generation)
        stored, content = self._stage(d, frame, keys, path)
        self.fault("file_written", label)
        row_id = manifest.insert(self.db, policy=d.policy.name, table=d.table.name, start=batch.start,
                                 end=batch.end, cutoff=result.cutoff, generation=generation, content=content,
                                 run_id=self.run_id)
        self.store.publish(stored)
        self.fault("manifest_written", label)
        self._verify(row_id, frame, content, label)
        self.fault("verified", label)
        return row_id, content

    def _verify(self, row_id: int, frame: pl.DataFrame, content: Content, label: str) -> None:
        """Read the file back: its checksum, row count and every value must match the rows read."""
        back = self.store.read(content.uri, sha256=content.checksum, rows=content.row_count, what=label)
        if back.schema != frame.schema or not back.equals(frame):
            raise ArchiveError(f"{label}: {path_of(content.uri)} read back differs from the rows read from the table")
        manifest.mark_verified(self.db, row_id)

    def _rearchive(self, d: Dialect, row: ManifestRow) -> Content:
        """Write an unfinished batch's file again from the rows the table holds now (same path, same row)."""
        label = row.label()
        frame, keys = self._read(d, row.start, row.end)
        if frame.height == 0:
            raise ArchiveError(f"{label}: its rows left {d.table.name} before the batch was deleted; "
                               f"{path_of(row.uri)} keeps the rows it had (status {row.status})")
        stored, content = self._stage(d, frame, keys, path_of(row.uri))
        self.fault("file_written", label)
        manifest.rewritten(self.db, row.id, content, self.run_id)
        self.store.publish(stored)
        self.fault("manifest_written", label)
        self._verify(row.id, frame, content, label)
        self.fault("verified", label)
        return content

    def _resume(self, d: Dialect, row: ManifestRow, result: PolicyResult) -> None:
        """Finish a batch an interrupted run left written or verified (its rows are still in the table)."""
        day = row.start.date()
        if d.policy.requires_built:
            problem = self._dependency_problems(d, [day]).get(day)
            if problem:
                self._abandon(row.id, row.uri)
                result.abandoned += 1
                result.blocked.append(Blocked(day, problem))
                return
        content = None
        if row.status == "verified" and row.key_digest is not None:
            try:
                self.store.read(row.uri, sha256=row.checksum, rows=row.row_count, what=row.label())
                size = path_of(row.uri).stat().st_size
                content = Content(row.uri, row.row_count, row.checksum, size, row.key_digest, row.source_digest)
            except ArchiveError as exc:
                self.log(f"{exc}: writing the batch again")
        if content is None:
            content = self._rearchive(d, row)
        result.resumed += 1
        self._delete(d, result, row.id, row.start, row.end, content)

    def _abandon(self, row_id: int, uri: str) -> None:
        """Give up an unfinished batch whose rows stay in the table: its file first, then its manifest row (a
        crash in between leaves an unfinished batch without a file, which the next run writes again)."""
        path_of(uri).unlink(missing_ok=True)
        manifest.abandon(self.db, row_id)

    def _delete(self, d: Dialect, result: PolicyResult, row_id: int, start: datetime, end: datetime,
                content: Content) -> None:
        """Delete a verified batch's rows; if they changed since, archive the range again (once) first."""
        try:
            self._guarded_delete(d, result, row_id, start, end, content)
            return
        except GuardMismatch as exc:
            self.log(str(exc))
            if d.policy.requires_built:  # the day's rollups may not hold the changed rows: wait for a rebuild
                self._abandon(row_id, content.uri)
                result.abandoned += 1
                result.blocked.append(Blocked(start.date(), "its rows changed while it was archived"))
                return
        row = manifest.select(self.db, "id = :id", {"id": row_id})[0]
        content = self._rearchive(d, row)
        result.rearchived += 1
        self._guarded_delete(d, result, row_id, start, end, content)

    def _guarded_delete(self, d: Dialect, result: PolicyResult, row_id: int, start: datetime, end: datetime,
                        content: Content) -> None:
        label = f"{d.table.name} batch {row_id} [{start:%Y-%m-%d %H:%M:%S}, {end:%Y-%m-%d %H:%M:%S})"
        params = {"start": start, "end": end}
        notified = 0
        try:
            with self.db.transaction() as conn:
                cur = conn.cursor()
                if d.policy.notify:
                    notified = self._notify(cur, d, row_id, content.uri, params)
                if d.family == "postgresql":
                    sql = (f"WITH gone AS (DELETE FROM {d.table.name} WHERE {d.in_range()} RETURNING {d.key} AS k) "
                           f"SELECT COUNT(*), COALESCE(SUM({d.epoch_us('k')}), 0) FROM gone")
                    cur.execute(to_pyformat(sql, params), params)
                    count, digest = cur.fetchone()
                else:
                    sql = (f"SELECT COUNT(*), COALESCE(SUM({d.epoch_us(d.key)}), 0) FROM {d.table.name} "
                           f"WHERE {d.in_range()} FOR UPDATE")
                    cur.execute(to_pyformat(sql, params), params)
                    count, digest = cur.fetchone()
                    cur.execute(to_pyformat(f"DELETE FROM {d.table.name} WHERE {d.in_range()}", params), params)
                    if cur.rowcount != count:
                        count = cur.rowcount
                if (int(count), int(digest)) != (content.row_count, content.key_digest):
                    raise GuardMismatch(f"{label}: the range now holds {count} row(s) (key digest {digest}), "
                                        f"the archive {content.row_count} ({content.key_digest}); nothing deleted")
                manifest.mark_deleted(conn, d.family, [row_id])
                self.fault("deleted", label)
        except ArchiveError:
            raise
        except Exception as exc:
            raise ArchiveError(f"{label}: the delete failed and was rolled back: {exc}") from exc
        self.fault("committed", label)
        result.rows += content.row_count
        result.batches += 1
        result.bytes += content.size
        result.notifications += notified
        result.days.add(start.date())

    def _drop_partition(self, d: Dialect, result: PolicyResult, part: Partition,
                        done: list[tuple[int, Batch, Content]]) -> bool:
        """Detach and drop a partition whose rows are exactly the verified batches `done`, in one transaction."""
        rows = sum(c.row_count for _, _, c in done)
        digest = sum(c.key_digest for _, _, c in done)
        table, label = d.table.name, f"{d.table.name} partition {part.name}"
        try:
            with self.db.transaction() as conn:
                conn.execute("SET LOCAL lock_timeout = '60s'")
                conn.execute(f"ALTER TABLE {table} DETACH PARTITION {part.name}")
                held = conn.execute(
                    f"SELECT COUNT(*), COALESCE(SUM({d.epoch_us(d.key)}), 0) FROM {part.name}").fetchone()
                if (int(held[0]), int(held[1])) != (rows, digest):
                    raise GuardMismatch(f"{label} holds {held[0]} row(s), the verified batches {rows}: "
                                        "keeping the partition (its archived batches are deleted as rows)")
                conn.execute(f"DROP TABLE {part.name}")
                if done:
                    manifest.mark_deleted(conn, d.family, [row_id for row_id, _, _ in done], partition=part.name)
                self.fault("deleted", label)
        except GuardMismatch as exc:
            self.log(str(exc))
            return False
        except Exception as exc:
            raise ArchiveError(f"{label}: detach and drop failed and were rolled back: {exc}") from exc
        self.fault("committed", label)
        result.partitions_dropped.append(part.name)
        result.rows += rows
        result.batches += len(done)
        result.bytes += sum(c.size for _, _, c in done)
        result.days.update(b.first_day for _, b, _ in done)
        return True

    def _notify(self, cur: Any, d: Dialect, row_id: int, uri: str, params: dict[str, Any]) -> int:
        """One notification per expired provenance row for the content's owner (materials.created_by, else the
        acquirer), in the delete's transaction; rows notified before (restored, expired again) are skipped."""
        q = d.q
        sql = (
            f"INSERT INTO {NOTIFICATIONS} (provenance_id, content_id, owner_user_id, expired_at, message, "
            "created_at, manifest_id) "
            f"SELECT p.{q('id')}, p.content_id, COALESCE(m.created_by, p.acquired_by), {d.key}, "
            "CONCAT('Provenance ', p.id, ' of ', p.content_type, ' ', p.content_id, ' reached the end of its ', "
            f"p.retention_years, '-year retention and was archived to ', {sql_literal(uri, d.family)}), :now, "
            ":manifest_id "
            f"FROM {d.table.name} p LEFT JOIN materials m ON m.id = p.content_id "
            f"WHERE {d.in_range()} AND NOT EXISTS "
            f"(SELECT 1 FROM {NOTIFICATIONS} n WHERE n.provenance_id = p.{q('id')})"
        )
        values = {**params, "now": now_utc(), "manifest_id": row_id}
        cur.execute(to_pyformat(sql, values), values)
        return max(cur.rowcount, 0)


@contextlib.contextmanager
def table_lock(engine: Engine, table: str) -> Iterator[None]:
    """The named lock that serializes archive and restore runs of one table."""
    conn = engine.connect()
    try:
        with engine.advisory_lock(conn, f"cockpit_archive:{table}", timeout_s=LOCK_TIMEOUT_S):
            yield
    finally:
        conn.close()


def rollup_source(table: str) -> RawSource:
    """The RawSource whose partition_builds fingerprints record the days of `table` the rollups were built from."""
    for source in SOURCES:
        if source.table == table:
            if source.where:
                raise ArchiveError(f"{table}: requires_built with a filtered source ({source.where}) is not supported")
            return source
    raise ArchiveError(f"{table}: no analytics asset fingerprints it, so requires_built cannot be checked")


def epoch_digest(keys: pl.Series) -> int:
    """The sum of `keys` (naive UTC datetimes) in microseconds since 1970, exactly."""
    return int(keys.dt.epoch("us").cast(pl.Int128).sum() or 0)


def _in_partition(batch: Batch, partitions: Sequence[Partition]) -> Batch:
    for part in partitions:
        if part.lower <= batch.start and batch.end <= part.upper:
            return Batch(batch.start, batch.end, batch.first_day, batch.rows, part.name)
    return batch


def _span_end(start: datetime, span: str) -> datetime:
    if span == "day":
        return start + timedelta(days=1)
    if span == "month":
        return (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start.replace(year=start.year + 1, month=1, day=1)


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value

