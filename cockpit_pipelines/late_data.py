"""Late-arriving raw rows: which built daily partitions are stale, and the runs that rebuild them.

The refresh policy of a TimescaleDB continuous aggregate, on the `partition_builds` ledger:

- the refresh window is `[today - start_offset, today)` (`COCKPIT_LATE_DATA_START_OFFSET_DAYS`,
  default 7; `all` = every day since the partitions start). Today is never built, which plays the
  part of `end_offset`;
- inside it, a built day is invalidated when its raw rows changed: the row count and digest sum of
  the raw day (`RawSource.stats_sql`, computed by the database) no longer give the fingerprint the
  ledger recorded when the day was built;
- only invalidated days are rebuilt, with what depends on them: the assets downstream in the nightly
  job (usage_monthly after usage_daily), and for a cumulative asset (compliance_scores counts every
  earlier violation) every built day from the first invalidated one on;
- days whose raw rows were archived (an `archive_manifest` range that is not restored) are not
  invalid: their derived rows were built before the rows left.

Requests are single runs over contiguous day ranges (one per range and set of assets), whose
run_key hashes the raw fingerprints and the builds they replace: a later change of the same day, or
a change back to an earlier state, is a new key, never dropped as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import dagster as dg
import polars as pl
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG, RUN_KEY_TAG

from cockpit_pipelines.assets import governance
from cockpit_pipelines.builds import EMPTY_DAY, PARTITION_BUILDS, SOURCES, RawSource, fingerprint
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import partition_start
from cockpit_pipelines.utc import naive_utc
from cockpit_pipelines.windows import Window

START_OFFSET_ENV = "COCKPIT_LATE_DATA_START_OFFSET_DAYS"
DEFAULT_START_OFFSET_DAYS = 7
MAX_ATTEMPTS = 3  # runs per stale state: a failed rebuild is requested again, up to this many times
ARCHIVE_MANIFEST = "archive_manifest"
RUN_KEY_PREFIX = "late_data"

# A day's row depends on every earlier day of its source: a change invalidates all later days too.
CUMULATIVE: frozenset[dg.AssetKey] = frozenset({dg.AssetKey(governance.TABLE)})

STALE_SCHEMA = {"asset_key": pl.String, "partition_date": pl.Date, "raw_fingerprint": pl.String,
                "built_run_id": pl.String}
_FAILED = (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def refresh_window(today: date, setting: str | None = None) -> Window | None:
    """The days compared: [today - start_offset, today), from the partitions' start; None before it."""
    value = (setting if setting is not None else os.environ.get(START_OFFSET_ENV, "")).strip().lower()
    first = partition_start()
    if value != "all":
        days = int(value) if value.isdigit() else DEFAULT_START_OFFSET_DAYS if not value else 0
        if days < 1:
            raise ValueError(f"{START_OFFSET_ENV} must be a whole number of days (1 or more) or 'all', "
                             f"got {value!r}")
        first = max(first, today - timedelta(days=days))
    return Window.of_days(first, today - timedelta(days=1)) if first < today else None


@dataclass(frozen=True)
class Scope:
    """What the nightly job builds that the sensor can invalidate, and what follows from it."""

    sources: Mapping[dg.AssetKey, RawSource]  # assets that record builds of one raw source
    children: Mapping[dg.AssetKey, frozenset[dg.AssetKey]]  # within the job
    parents: Mapping[dg.AssetKey, frozenset[dg.AssetKey]]
    checks: frozenset[dg.AssetCheckKey]  # the job's checks

    @classmethod
    def of_job(cls, job: dg.JobDefinition) -> Scope:
        keys = job.asset_layer.selected_asset_keys
        graph = job.asset_layer.asset_graph
        by_raw = {source.key: source for source in SOURCES}
        sources: dict[dg.AssetKey, RawSource] = {}
        for key in keys:
            read = [by_raw[p] for p in graph.get(key).parent_keys if p in by_raw]
            if len(read) > 1:
                raise ValueError(f"{key.to_user_string()} reads {len(read)} fingerprinted raw tables; "
                                 "partition_builds records one source per asset")
            if read:
                sources[key] = read[0]
        return cls(
            sources=sources,
            children={k: frozenset(c for c in graph.get(k).child_keys if c in keys) for k in keys},
            parents={k: frozenset(graph.get(k).parent_keys) for k in keys},
            checks=frozenset(graph.asset_check_keys),
        )

    def downstream(self, key: dg.AssetKey) -> set[dg.AssetKey]:
        """Every asset of the job that depends on `key`, transitively."""
        found: set[dg.AssetKey] = set()
        todo = list(self.children.get(key, ()))
        while todo:
            child = todo.pop()
            if child not in found:
                found.add(child)
                todo.extend(self.children.get(child, ()))
        return found

    def checks_for(self, keys: Iterable[dg.AssetKey]) -> list[dg.AssetCheckKey]:
        """The checks of `keys` and of the tables they read (the raw tables' blocking checks first)."""
        inputs = set(keys).union(*(self.parents.get(k, frozenset()) for k in keys))
        return sorted((c for c in self.checks if c.asset_key in inputs), key=lambda c: c.to_user_string())


# --- stale partitions ----------------------------------------------------------------------------


def raw_fingerprints(warehouse: WarehouseResource, source: RawSource, window: Window) -> pl.DataFrame:
    """partition_date, raw_fingerprint of each day with raw rows in the window (exact sums from the database)."""
    rows = warehouse.query(source.stats_sql(warehouse.engine_family()), {**source.params, **window.params()})
    return pl.DataFrame(
        {"partition_date": [_as_date(r[0]) for r in rows], "raw_fingerprint": [fingerprint(r[1], r[2]) for r in rows]},
        schema={"partition_date": pl.Date, "raw_fingerprint": pl.String},
    )


def archived_days(warehouse: WarehouseResource, table: str, window: Window) -> pl.DataFrame:
    """partition_date of the window's days touched by an archived (not restored) range of `table`."""
    rows = warehouse.query(
        f"SELECT range_start, range_end FROM {ARCHIVE_MANIFEST} WHERE table_name = :table "
        "AND status <> 'restored' AND range_start < :end AND range_end > :start",
        {"table": table, **window.params()},
    )
    ranges = pl.DataFrame(
        {"first": [naive_utc(r[0]).date() for r in rows],
         "last": [(naive_utc(r[1]) - timedelta(microseconds=1)).date() for r in rows]},
        schema={"first": pl.Date, "last": pl.Date},
    )
    return (
        ranges.select(partition_date=pl.date_ranges("first", "last"))
        .explode("partition_date")
        .filter(pl.col("partition_date").is_between(window.start.date(), window.end.date(), closed="left"))
        .unique()
    )


def ledger(warehouse: WarehouseResource, assets: Iterable[dg.AssetKey], window: Window) -> pl.DataFrame:
    """asset_key, partition_date, source_fingerprint, built_run_id of the window's built days of `assets`."""
    names = sorted(k.to_user_string() for k in assets)
    if not names:
        return pl.DataFrame(schema={"asset_key": pl.String, "partition_date": pl.Date, "source_fingerprint": pl.String,
                                    "built_run_id": pl.String})
    marks = ", ".join(f":a{i}" for i in range(len(names)))
    frame = warehouse.read_frame(
        f"SELECT asset_key, partition_date, source_fingerprint, run_id AS built_run_id FROM {PARTITION_BUILDS} "
        f"WHERE partition_date >= :start AND partition_date < :end AND asset_key IN ({marks})",
        {**window.date_params(), **{f"a{i}": n for i, n in enumerate(names)}},
    )
    return frame.select(
        pl.col("asset_key").cast(pl.String),
        pl.col("partition_date").cast(pl.Date),
        pl.col("source_fingerprint").cast(pl.String),
        pl.col("built_run_id").cast(pl.String),
    )


def stale_partitions(warehouse: WarehouseResource, scope: Scope, built: pl.DataFrame, window: Window) -> pl.DataFrame:
    """The built days (rows of `ledger`) whose raw rows no longer match their fingerprint."""
    found = [pl.DataFrame(schema=STALE_SCHEMA)]
    for source in {s.table: s for s in scope.sources.values()}.values():
        names = [k.to_user_string() for k, s in scope.sources.items() if s.table == source.table]
        days = built.filter(pl.col("asset_key").is_in(names))
        if days.is_empty():
            continue
        found.append(
            days.join(raw_fingerprints(warehouse, source, window), on="partition_date", how="left")
            .with_columns(pl.col("raw_fingerprint").fill_null(EMPTY_DAY))
            .filter(pl.col("raw_fingerprint") != pl.col("source_fingerprint"))
            .join(archived_days(warehouse, source.table, window), on="partition_date", how="anti")
            .select(list(STALE_SCHEMA))
        )
    return pl.concat(found).sort("asset_key", "partition_date")


# --- rebuild runs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rebuild:
    """One run: `assets` over the days first..last, for the stale (asset, day) states it resolves."""

    first: date
    last: date
    assets: tuple[dg.AssetKey, ...]
    stale: tuple[tuple[str, str, str, str], ...]  # asset, day, raw fingerprint, replaced build's run id
    attempt: int
    cause: str  # digest of every state this tick requests (a run of downstream assets only has no `stale`)

    @property
    def run_key(self) -> str:
        body = json.dumps({"assets": [k.to_user_string() for k in self.assets], "stale": self.stale,
                           "attempt": self.attempt, "cause": self.cause}, sort_keys=True)
        digest = hashlib.sha256(body.encode()).hexdigest()[:24]
        return f"{RUN_KEY_PREFIX}:{self.first}:{self.last}:{digest}"

    def run_request(self, job_name: str, scope: Scope) -> dg.RunRequest:
        tags = {"cockpit/trigger": "late_data", "cockpit/stale_partitions": str(len(self.stale)),
                "cockpit/attempt": str(self.attempt)}
        single = self.first == self.last
        if not single:
            tags |= {ASSET_PARTITION_RANGE_START_TAG: self.first.isoformat(),
                     ASSET_PARTITION_RANGE_END_TAG: self.last.isoformat()}
        return dg.RunRequest(
            run_key=self.run_key,
            job_name=job_name,
            asset_selection=list(self.assets),
            asset_check_keys=scope.checks_for(self.assets),
            partition_key=self.first.isoformat() if single else None,
            tags=tags,
        )


def plan_rebuilds(todo: pl.DataFrame, built: pl.DataFrame, scope: Scope) -> list[Rebuild]:
    """Runs for the stale rows `todo` (STALE_SCHEMA + attempt): each asset's days with their downstream and
    cumulative days, cut into contiguous ranges; assets with the same range share a run."""
    if todo.is_empty():
        return []
    days = todo.select("asset_key", "partition_date")
    edges = pl.DataFrame(
        [(a, k.to_user_string()) for a in days["asset_key"].unique()
         for k in scope.downstream(dg.AssetKey.from_user_string(a))],
        schema={"asset_key": pl.String, "child": pl.String}, orient="row",
    )
    below = days.join(edges, on="asset_key").select(asset_key="child", partition_date="partition_date")
    days = pl.concat([days, below]).unique()
    last_built = built.group_by("asset_key").agg(last=pl.col("partition_date").max())
    spans = (  # a cumulative asset: every built day from its first rebuilt day on
        days.filter(pl.col("asset_key").is_in([k.to_user_string() for k in CUMULATIVE]))
        .group_by("asset_key").agg(first=pl.col("partition_date").min())
        .join(last_built, on="asset_key", how="left")
        .select("asset_key", partition_date=pl.date_ranges("first", pl.max_horizontal("first", "last")))
        .explode("partition_date")
    )
    gap = pl.col("partition_date").diff().over("asset_key").dt.total_days().fill_null(0) != 1
    ranges = (
        pl.concat([days, spans]).unique().sort("asset_key", "partition_date")
        .with_columns(run=gap.cum_sum().over("asset_key"))
        .group_by("asset_key", "run").agg(first=pl.col("partition_date").min(), last=pl.col("partition_date").max())
        .group_by("first", "last").agg(pl.col("asset_key").sort())
        .sort("first", "last")
    )
    cause = hashlib.sha256(todo.sort("asset_key", "partition_date").write_csv().encode()).hexdigest()
    plans = []
    for first, last, assets in ranges.iter_rows():
        mine = todo.filter(pl.col("asset_key").is_in(assets) & pl.col("partition_date").is_between(first, last))
        stale = tuple((a, d.isoformat(), f, r or "") for a, d, f, r in
                      mine.select(list(STALE_SCHEMA)).sort("asset_key", "partition_date").iter_rows())
        plans.append(Rebuild(first, last, tuple(dg.AssetKey.from_user_string(a) for a in assets), stale,
                             attempt=int(mine["attempt"].max() or 1), cause=cause))
    return plans


# --- the cursor ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Triage:
    todo: pl.DataFrame  # STALE_SCHEMA + attempt: to request now
    waiting: int  # already requested, run not finished (or not yet launched)
    exhausted: list[str]  # "asset day" whose rebuild failed MAX_ATTEMPTS times
    kept: dict[str, dict]  # pending entries that stay in the cursor


def pending_entries(cursor: str | None) -> dict[str, dict]:
    """{"asset|day": {"state": raw fingerprint:replaced run id, "run_key": …, "attempt": n}} of requested rebuilds."""
    return json.loads(cursor).get("pending", {}) if cursor else {}


def _state(raw_fingerprint: str, built_run_id: str | None) -> str:
    return f"{raw_fingerprint}:{built_run_id or ''}"


def triage(stale: pl.DataFrame, pending: Mapping[str, dict], failed: set[str]) -> Triage:
    """Split the stale rows: new states (attempt 1), failed requests to retry (attempt + 1), requests still
    waiting. A pending entry whose day is no longer stale (rebuilt, or the rows changed back) is dropped."""
    todo: list[dict] = []
    kept: dict[str, dict] = {}
    waiting = 0
    exhausted: list[str] = []
    for row in stale.iter_rows(named=True):
        pair = f"{row['asset_key']}|{row['partition_date']}"
        entry = pending.get(pair)
        if entry is None or entry["state"] != _state(row["raw_fingerprint"], row["built_run_id"]):
            todo.append({**row, "attempt": 1})
        elif entry["run_key"] not in failed:
            kept[pair] = entry
            waiting += 1
        elif entry["attempt"] < MAX_ATTEMPTS:
            todo.append({**row, "attempt": entry["attempt"] + 1})
        else:
            kept[pair] = entry
            exhausted.append(f"{row['asset_key']} {row['partition_date']}")
    frame = pl.DataFrame(todo, schema={**STALE_SCHEMA, "attempt": pl.Int64})
    return Triage(frame, waiting, exhausted, kept)


def failed_run_keys(instance: dg.DagsterInstance, run_keys: Iterable[str]) -> set[str]:
    """The run keys whose run ended failed or canceled."""
    failed = set()
    for key in set(run_keys):
        runs = instance.get_runs(filters=dg.RunsFilter(tags={RUN_KEY_TAG: key}), limit=1)
        if runs and runs[0].status in _FAILED:
            failed.add(key)
    return failed


def next_cursor(kept: Mapping[str, dict], plans: Sequence[Rebuild]) -> str:
    entries = dict(kept)
    for plan in plans:
        for asset, day, raw, built_run in plan.stale:
            entries[f"{asset}|{day}"] = {"state": _state(raw, built_run), "run_key": plan.run_key,
                                         "attempt": plan.attempt}
    return json.dumps({"pending": dict(sorted(entries.items()))}, sort_keys=True)



def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])

