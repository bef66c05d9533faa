"""Retention and archival on PostgreSQL and MariaDB: sixty generated days, the default policies and
overrides, dry runs, restores, late rows, and a crash after every archival step followed by a rerun.

One warehouse per engine is generated and built once for the module; each test starts from the same
rows (`World.reset`), so the tests are independent. The invariant every test checks: the rows in the
table plus the rows in the archive's deleted batches are exactly the original rows (as a multiset: no
row lost, none twice), and no due row is left in its table.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from conftest import fresh_database, migrated
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from cockpit_pipelines import cli
from cockpit_pipelines.archive import (
    FAULT_POINTS,
    ArchiveStore,
    Policy,
    PolicyError,
    load_settings,
    plan_retention,
    restore,
    run_retention,
)
from cockpit_pipelines.archive.dialect import KEY, Dialect
from cockpit_pipelines.archive.policies import Duration
from cockpit_pipelines.assets.usage import usage_daily_asset, usage_hourly_asset, usage_monthly_asset
from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.generator.conform import for_engine
from cockpit_pipelines.generator.load import (
    day_frames,
    days,
    ensure_partitions,
    load_reference,
    read_standards,
    reference_frames,
)
from cockpit_pipelines.generator.reference import Reference, build_reference
from cockpit_pipelines.resources import WarehouseResource

SEED = 7
START = date(2026, 1, 25)  # sixty days: 2026-01-25 .. 2026-03-25
DAYS = 60
LAST = START + timedelta(days=DAYS - 1)
SCALE = 0.01
BUILT = (START, date(2026, 2, 3))  # usage_hourly / usage_daily / usage_monthly built for these days
AS_OF = datetime(2026, 3, 4, 6, 0)  # usage_events' cutoff 2026-02-02 06:00: January whole, then part of a day
EVERY_POLICY = {"audit_logs": "35d", "token_usage": "33d", "events": "31d", "correlations": "36d",
                "usage_hourly": "30d"}  # cutoffs inside the sixty days for the tables that keep longer
MONTHLY_COLUMNS = ["bucket", "org_id", "project_id", "model", "request_count", "total_input_tokens",
                   "total_output_tokens", "total_cost_cents", "unique_users", "active_days"]


class Crash(BaseException):
    """A simulated kill: not an Exception, so no handler in the archiver treats it as an error."""


def crash_at(point: str, nth: int, where: str = "") -> Callable[[str, str], None]:
    """A fault hook that raises Crash at the `nth` time the archiver reaches `point` (on a label containing
    `where`)."""
    seen = 0

    def fault(reached: str, label: str) -> None:
        nonlocal seen
        if reached == point and where in label:
            seen += 1
            if seen == nth:
                raise Crash(f"{point} #{nth}: {label}")

    return fault


@dataclass
class World:
    engine: Engine
    warehouse: WarehouseResource
    archive: Path
    original: dict[str, pl.DataFrame]  # every policy table's rows, with the batch key (KEY)
    monthly: pl.DataFrame
    db: Engine  # the module's connections, kept: a PyMySQL connect is slow

    @property
    def store(self) -> ArchiveStore:
        return ArchiveStore(str(self.archive))

    def policies(self, keep: dict[str, str] | None = None) -> list[Policy]:
        settings = load_settings(environ={})
        return (settings.with_keep(keep) if keep else settings).select(None)

    def rows(self, table: str) -> pl.DataFrame:
        return read_rows(self.db, load_settings(environ={}).policy(table))

    def archived(self, table: str) -> pl.DataFrame:
        """The rows of the table's deleted (not restored) batches, read from their files."""
        rows = self.db.query("SELECT file_uri, checksum, row_count FROM archive_manifest "
                             "WHERE table_name = :t AND status = 'deleted'", {"t": table})
        frames = [self.store.read(uri, sha256=sha.strip(), rows=int(n), what=table) for uri, sha, n in rows]
        columns = [c for c in self.original[table].columns if c != KEY]
        return pl.concat(frames) if frames else self.original[table].select(columns).clear()

    def reset(self) -> None:
        """The generated rows again (reloading the tables a test touched); no manifest, notifications or files."""
        touched = {r[0] for r in self.db.query("SELECT DISTINCT table_name FROM archive_manifest")}
        touched |= {t for t, frame in self.original.items()
                    if self.db.scalar(f"SELECT COUNT(*) FROM {t}") != frame.height}
        self.db.execute("DELETE FROM archive_manifest")
        self.db.execute("DELETE FROM provenance_expiry_notifications")
        shutil.rmtree(self.archive, ignore_errors=True)
        if not touched:
            return
        ensure_partitions(self.engine, START, LAST)
        with self.db.transaction() as conn:
            for table in touched:
                conn.cursor().execute(f"DELETE FROM {table}")
                self.engine.insert_frame(conn, table, self.original[table].drop(KEY, strict=False))


def read_rows(db: Engine, policy: Policy) -> pl.DataFrame:
    frame = db.read_frame(f"SELECT {Dialect(db, policy).select_list()} FROM {policy.table}")
    return frame if KEY in frame.columns else frame.with_columns(pl.col(policy.column).alias(KEY))


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    frame = frame.drop(KEY, strict=False)
    return frame.sort(frame.columns, nulls_last=True)


def assert_same(actual: pl.DataFrame, expected: pl.DataFrame, what: str) -> None:
    a, e = canonical(actual), canonical(expected)
    assert a.height == e.height, f"{what}: {a.height} rows, expected {e.height}"
    assert a.equals(e), f"{what}: same count ({a.height}), different rows"


@functools.cache
def generated_days(standards: tuple[tuple, ...]) -> tuple[Reference, dict[str, pl.DataFrame]]:
    """The generator's reference rows and sixty days of the tables the policies archive (computed once for
    both engines: the frames do not depend on the engine)."""
    tables = {p.table for p in load_settings(environ={}).policies}
    ref = build_reference(SEED, pl.DataFrame(list(standards), schema=["id", "category", "enforcement_level"],
                                             orient="row"))
    loaded: dict[str, list[pl.DataFrame]] = {}
    for day in days(START, DAYS):
        for name, frame in day_frames(SEED, day, SCALE, ref).items():  # in foreign-key order
            if name in tables:
                loaded.setdefault(name, []).append(frame)
    return ref, {name: pl.concat(frames) for name, frames in loaded.items()}


def generate(engine: Engine) -> None:
    """Those rows, bulk-loaded at once into the empty tables."""
    ref, frames = generated_days(tuple(read_standards(engine).rows()))
    load_reference(engine, reference_frames(ref))
    ensure_partitions(engine, START, LAST)
    with engine.transaction() as conn:
        for name, frame in frames.items():
            engine.insert_frame(conn, name, for_engine(frame, engine.family))


def build_rollups(warehouse: WarehouseResource, first: date, last: date,
                  assets: tuple = (usage_hourly_asset, usage_daily_asset, usage_monthly_asset)) -> None:
    """The real usage assets over first..last, as one single-run backfill."""
    tags = {ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()}
    assert dg.materialize(list(assets), resources={"warehouse": warehouse}, tags=tags).success


def usage_monthly(engine: Engine) -> pl.DataFrame:
    return engine.read_frame(f"SELECT {', '.join(MONTHLY_COLUMNS)} FROM usage_monthly").sort(MONTHLY_COLUMNS[:4])


@pytest.fixture(scope="module", params=("postgres", "mariadb"))
def shared_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    for url in fresh_database(request.param):
        engine = engine_for(migrated(url))
        warehouse = WarehouseResource(url=url)
        generate(engine)
        build_rollups(warehouse, *BUILT)
        with engine.session() as db:
            original = {p.table: read_rows(db, p) for p in load_settings(environ={}).policies}
            yield World(engine, warehouse, tmp_path_factory.mktemp("archive"), original, usage_monthly(engine), db)


@pytest.fixture
def world(shared_world: World) -> World:
    shared_world.reset()
    return shared_world


def due(world: World, table: str, cutoff: datetime) -> pl.DataFrame:
    return world.original[table].filter(pl.col(KEY) < cutoff)


def assert_conserved(world: World, tables: list[str] | None = None) -> None:
    """table + archive = original for every policy table (or `tables`): nothing lost, nothing twice."""
    for table in tables or list(world.original):
        assert_same(pl.concat([world.rows(table).drop(KEY), world.archived(table)]), world.original[table],
                    f"{table} + archive")


def assert_archived_exactly(world: World, results: list) -> None:
    """Every due row is in the archive (and its manifest), none is left in its table, and table + archive =
    original."""
    for result in results:
        table, cutoff = result.policy.table, result.cutoff
        assert_same(world.archived(table), due(world, table, cutoff), f"{table} archive")
        left = world.rows(table).filter(pl.col(KEY) < cutoff).height
        assert left == 0, f"{table}: {left} due row(s) left"
        manifest_rows = world.db.scalar(
            "SELECT COALESCE(SUM(row_count), 0) FROM archive_manifest WHERE table_name = :t AND status = 'deleted'",
            {"t": table})
        assert int(manifest_rows) == due(world, table, cutoff).height
    assert_conserved(world)
    referenced = {r[0] for r in world.db.query("SELECT file_uri FROM archive_manifest")}
    on_disk = {p.as_uri() for p in world.archive.rglob("*") if p.is_file()}
    assert on_disk == referenced, f"files without a manifest row: {on_disk - referenced}"


def partitions(engine: Engine, table: str) -> set[str]:
    if engine.family != "postgresql":
        return set()
    rows = engine.query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                        "WHERE i.inhparent = to_regclass(:t)", {"t": table})
    return {r[0] for r in rows}


# --- policies (no database) ----------------------------------------------------------------------


def test_policies_file_holds_the_contract_defaults_in_foreign_key_order() -> None:
    settings = load_settings(environ={})
    keep = {p.table: str(p.keep) for p in settings.policies if p.keep}
    assert keep == {"usage_events": "30d", "audit_logs": "365d", "token_usage": "2y", "events": "365d",
                    "correlations": "90d", "usage_hourly": "90d"}
    provenance = settings.policy("provenance")
    assert provenance.expiry and (provenance.expiry.column, provenance.expiry.years) == ("acquired_at",
                                                                                          "retention_years")
    assert settings.policy("usage_events").requires_built == ("usage_daily", "usage_hourly")
    order = [p.table for p in settings.policies]
    assert order.index("correlations") < order.index("events")  # correlations reference events


def test_overrides_environment_then_run() -> None:
    settings = load_settings(environ={"COCKPIT_RETENTION_AUDIT_LOGS": "730d", "COCKPIT_RETENTION_EVENTS": "off"})
    assert str(settings.policy("audit_logs").keep) == "730d" and settings.policy("audit_logs").source == "environment"
    assert "events" not in [p.table for p in settings.select(None)]
    run = settings.with_keep({"audit_logs": "2y"})
    assert str(run.policy("audit_logs").keep) == "2y" and run.policy("audit_logs").source == "the run"
    assert Duration.parse("2y", "x").before(datetime(2028, 2, 29, 3)) == datetime(2026, 2, 28, 3)
    with pytest.raises(PolicyError, match=r"usage_events.*30 dayz"):
        settings.with_keep({"usage_events": "30 dayz"})
    with pytest.raises(PolicyError, match="provenance expires per row"):
        settings.with_keep({"provenance": "30d"})
    with pytest.raises(PolicyError, match="no retention policy for table 'metrics'"):
        settings.policy("metrics")


# --- archive, dry run, restore -------------------------------------------------------------------


def test_dry_run_reports_the_due_rows_and_changes_nothing(world: World) -> None:
    plans = {p.policy.table: p for p in plan_retention(world.engine, now=AS_OF, store=world.store)}
    for table, plan in plans.items():
        assert plan.rows == due(world, table, plan.cutoff).height, table
    usage = plans["usage_events"]
    assert (usage.batches[0].first_day, usage.batches[-1].first_day) == (START, date(2026, 2, 2))
    assert not usage.blocked
    assert "usage_events: time older than 30d, cutoff 2026-02-02 06:00:00 UTC" in usage.summary()
    if world.engine.family == "postgresql":
        assert [p.name for p in usage.partitions] == ["usage_events_p202601"]
    assert plans["audit_logs"].rows == 0 and plans["provenance"].rows > 0
    assert world.db.scalar("SELECT COUNT(*) FROM archive_manifest") == 0
    assert not world.archive.exists()
    assert_conserved(world)


def test_default_policies_archive_exactly_the_due_rows_and_usage_monthly_stays(world: World) -> None:
    results = run_retention(world.engine, now=AS_OF, store=world.store, progress=False)
    by_table = {r.policy.table: r for r in results}
    assert by_table["usage_events"].rows == due(world, "usage_events", by_table["usage_events"].cutoff).height > 0
    assert by_table["provenance"].rows > 0 and by_table["audit_logs"].rows == 0
    assert_archived_exactly(world, results)
    if world.engine.family == "postgresql":  # January whole: archived, then detached and dropped
        assert by_table["usage_events"].partitions_dropped == ["usage_events_p202601"]
        assert "usage_events_p202601" not in partitions(world.engine, "usage_events")
    notified = world.db.query("SELECT provenance_id, owner_user_id, manifest_id FROM "
                                  "provenance_expiry_notifications")
    assert sorted(str(r[0]) for r in notified) == sorted(due(world, "provenance", AS_OF)["id"].to_list())
    assert all(owner is not None and manifest_id is not None for _, owner, manifest_id in notified)

    build_rollups(world.warehouse, *BUILT, assets=(usage_monthly_asset,))  # rebuilt after the raw rows left
    assert usage_monthly(world.engine).equals(world.monthly)

    again = run_retention(world.engine, now=AS_OF, store=world.store, progress=False)
    assert sum(r.rows for r in again) == 0  # a rerun has nothing left to do
    later = run_retention(world.engine, now=AS_OF + timedelta(days=1), store=world.store, progress=False,
                          tables=["usage_events"])  # the rest of 2 February (partly archived) and part of 3 February
    assert later[0].days == {date(2026, 2, 2), date(2026, 2, 3)} and not later[0].blocked
    assert_archived_exactly(world, later)


def test_every_policy_then_restore_brings_back_identical_rows_once(world: World) -> None:
    results = run_retention(world.engine, now=AS_OF, keep=EVERY_POLICY, store=world.store, progress=False)
    assert all(r.rows > 0 for r in results), [r.summary() for r in results]
    assert_archived_exactly(world, results)
    if world.engine.family == "postgresql":
        assert {p for r in results for p in r.partitions_dropped} == {"usage_events_p202601", "events_p202601"}

    one_day = restore(world.engine, "audit_logs", date(2026, 1, 26), date(2026, 1, 26), store=world.store,
                      progress=False)
    day_rows = world.rows("audit_logs").filter(pl.col("timestamp").dt.date() == date(2026, 1, 26))
    assert one_day.rows == day_rows.height > 0
    assert_same(day_rows, world.original["audit_logs"].filter(pl.col(KEY).dt.date() == date(2026, 1, 26)),
                "audit_logs restored day")

    spans = {r.policy.table: (date(2000, 1, 1), date(2030, 12, 31)) if r.policy.table == "provenance"
             else (START, LAST) for r in results}
    for table, (first, last) in spans.items():
        restore(world.engine, table, first, last, store=world.store, progress=False)
        assert_same(world.rows(table), world.original[table], f"{table} restored")
    assert world.db.scalar("SELECT COUNT(*) FROM archive_manifest WHERE status <> 'restored'") == 0
    for table, (first, last) in spans.items():  # a second restore finds nothing left to bring back
        twice = restore(world.engine, table, first, last, store=world.store, progress=False)
        assert (twice.rows, twice.batches) == (0, 0) and twice.already_restored > 0
        assert world.db.scalar(f"SELECT COUNT(*) FROM {table}") == world.original[table].height
    if world.engine.family == "postgresql":
        assert "usage_events_p202601" in partitions(world.engine, "usage_events")


def test_a_crash_after_each_step_then_a_rerun_loses_and_duplicates_nothing(world: World) -> None:
    crashes = [("file_written", 2, ""), ("manifest_written", 3, ""), ("verified", 2, ""), ("deleted", 2, ""),
               ("committed", 3, "")]
    if world.engine.family == "postgresql":
        crashes.insert(4, ("deleted", 1, "partition"))  # inside the detach-and-drop transaction
    assert {point for point, _, _ in crashes} == set(FAULT_POINTS)
    tables = ["usage_events", "events", "provenance"]  # rollup days, a partition drop (PostgreSQL), notifications
    for point, nth, where in crashes:
        with pytest.raises(Crash):
            run_retention(world.engine, now=AS_OF, keep=EVERY_POLICY, store=world.store, progress=False,
                          fault=crash_at(point, nth, where), tables=tables)
        assert_conserved(world, tables)
    results = run_retention(world.engine, now=AS_OF, keep=EVERY_POLICY, store=world.store, progress=False,
                            tables=tables)
    assert_archived_exactly(world, results)
    total = sum(due(world, t, c).height for t, c in ((r.policy.table, r.cutoff) for r in results))
    archived = world.db.scalar("SELECT SUM(row_count) FROM archive_manifest WHERE status = 'deleted'")
    assert int(archived) == total


def test_late_rows_keep_their_day_until_the_rollups_are_rebuilt(world: World) -> None:
    late = world.original["usage_events"].filter(pl.col(KEY).dt.date() == date(2026, 1, 29)).head(1)
    late = late.with_columns(pl.col("time") + timedelta(microseconds=1), pl.lit(999).alias("cost_cents")
                             .cast(late.schema["cost_cents"]))
    with world.db.transaction() as conn:
        world.engine.insert_frame(conn, "usage_events", late.drop(KEY))
    try:
        (result,) = run_retention(world.engine, now=AS_OF, store=world.store, progress=False, tables=["usage_events"])
        assert [b.day for b in result.blocked] == [date(2026, 1, 29)]
        assert "usage_daily" in result.blocked[0].reason
        assert date(2026, 1, 29) not in result.days and len(result.days) == 8
        assert result.partitions_dropped == []  # the partition holds rows that are not archived
        left = world.rows("usage_events").filter(pl.col(KEY) < result.cutoff)
        assert set(left["time"].dt.date().unique()) == {date(2026, 1, 29)}
    finally:
        world.db.execute("DELETE FROM usage_events WHERE cost_cents = 999")


def test_cli_archive_dry_run_archive_and_restore(world: World, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COCKPIT_WAREHOUSE_URL", world.warehouse.url)
    monkeypatch.setenv("COCKPIT_ARCHIVE_URL", str(world.archive))
    monkeypatch.setenv("CI", "true")
    as_of = ["--as-of", AS_OF.isoformat()]
    assert cli.main(["archive", "--dry-run", "--table", "correlations", "--keep", "correlations=36d", *as_of]) == 0
    out = capsys.readouterr().out
    assert "correlations: timestamp older than 36d" in out and "nothing was changed" in out
    assert world.db.scalar("SELECT COUNT(*) FROM archive_manifest") == 0
    assert cli.main(["archive", "--table", "correlations", "--keep", "correlations=36d", *as_of]) == 0
    assert "correlations: archived" in capsys.readouterr().out
    assert world.db.scalar("SELECT COUNT(*) FROM archive_manifest WHERE status = 'deleted'") > 0
    assert cli.main(["restore", "--table", "correlations", "--start", "2026-01-25", "--end", "2026-01-27"]) == 0
    assert "correlations: restored" in capsys.readouterr().out
    assert_same(world.rows("correlations"), world.original["correlations"], "correlations restored by the CLI")
    assert cli.main(["archive", "--keep", "usage_events=soon"]) == 2
    assert "keep for usage_events: 'soon' is not a duration" in capsys.readouterr().err
