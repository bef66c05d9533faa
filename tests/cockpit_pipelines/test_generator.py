"""The synthetic generator: contract-shaped, deterministic, FK-consistent, idempotent per day, on real databases."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import dagster as dg
import polars as pl
import pytest
from shared_databases import fresh_database, migrated

from assets.raw import raw_key, raw_tables_observation_sensor
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.generator.cli import run_generate
from cockpit_pipelines.generator.load import (
    day_frames,
    generate,
    load_reference,
    raw_tables,
    read_standards,
    reference_frames,
)
from cockpit_pipelines.generator.reference import build_reference
from cockpit_pipelines.landing import Parsed, check_rows
from cockpit_pipelines.resources import WarehouseResource

DAY = date(2026, 3, 30)
SCALE = 0.02
STANDARDS = pl.DataFrame({"id": ["ts-001-zulu", "nm-001-kebab"], "category": ["temporal", "nomenclature"],
                          "enforcement_level": ["error", "warning"]})


@pytest.fixture(scope="module", params=("postgres", "mariadb"))
def shared_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """One migrated database per engine for this module's tests (they tolerate each other's rows)."""
    for url in fresh_database(request.param):
        yield migrated(url)


@pytest.fixture(scope="module")
def shared_postgres() -> Iterator[str]:
    for url in fresh_database("postgres"):
        yield migrated(url)


@pytest.fixture(params=("postgres", "mariadb"))
def two_fresh_databases(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """Two fresh, migrated databases on the same engine (for comparing two generations)."""
    for first in fresh_database(request.param):
        for second in fresh_database(request.param):
            yield migrated(first), migrated(second)


# -- without a database ----------------------------------------------------------------------------
def test_every_generated_row_meets_its_contract() -> None:
    """Reference and raw frames pass the landing zone's own contract rules (types, NULLs, values, ranges)."""
    ref = build_reference(7, STANDARDS)
    frames = {**reference_frames(build_reference(7, STANDARDS)), **day_frames(7, DAY, SCALE, ref)}
    assert {t.name for t in raw_tables(contracts())} <= frames.keys()
    now = datetime(2030, 1, 1)
    for name, frame in frames.items():
        table = contracts().table(name)
        assert frame.columns == [c.name for c in table.columns if not c.generated], name
        checked = check_rows(table, Parsed(frame.with_row_index("__line").cast({"__line": pl.Int64}),
                                           pl.DataFrame(schema={"__line": pl.Int64, "raw": pl.String}), []), now=now)
        broken = {f"{r.name}:{r.column}": int(r.mask.sum()) for r in checked.rules if r.mask.any()}
        assert not broken, f"{name}: {broken}"


def test_volumes_and_shapes_at_scale_one() -> None:
    ref = build_reference(7, STANDARDS)
    frames = day_frames(7, DAY, 1.0, ref)
    assert frames["ai_dialogue_log"].height == 10_000
    assert frames["usage_events"].height == 50_000
    usage = frames["usage_events"]
    success = (usage["status"] == "success").mean()
    assert 0.94 < success < 0.96
    errors = usage.filter(pl.col("status") != "success")
    assert errors["error_code"].null_count() == 0
    assert usage["user_id"].null_count() > 0 and usage["latency_ms"].null_count() > 0
    dialogues = frames["ai_dialogue_log"]
    assert (dialogues["citations"] == "[]").sum() > 0 and dialogues["citations"].null_count() > 0
    assert dialogues["user_feedback"].null_count() > 0 and set(dialogues["user_feedback"].drop_nulls()) == {-1, 0, 1}
    latency = dialogues["latency_ms"].drop_nulls()
    assert latency.quantile(0.99) > 3 * latency.median()  # long tail
    buckets = dict(frames["metrics"]["time_bucket"].value_counts().rows())
    assert buckets.keys() == {"00:05:00", "00:01:00", "01:00:00"}
    assert buckets["00:05:00"] > buckets["00:01:00"] + buckets["01:00:00"]
    violations = frames["metadata_violations"]
    assert set(violations["status"]) == {"open", "resolved", "suppressed"}
    resolved = violations.filter(pl.col("status") == "resolved")
    assert (resolved["resolved_at"] > resolved["detected_at"]).all()
    assert (resolved["resolved_at"].dt.date() > DAY).any()  # some were resolved on a later day
    assert violations.filter(pl.col("status") != "resolved")["resolved_at"].null_count() == violations.filter(
        pl.col("status") != "resolved").height
    # Text instants and dates inside JSON payloads, for the metadata compliance scan: mostly as the
    # standards require (ts-001-zulu, ts-002-iso-date), a few not.
    zulu = r'"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z"'
    other = r'"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\+09:00)?"'
    for table, column in (("events", "payload"), ("events", "metadata"), ("audit_logs", "metadata"),
                          ("audit_logs", "changes")):
        values = frames[table][column].drop_nulls()
        compliant, not_compliant = values.str.count_matches(zulu).sum(), values.str.count_matches(other).sum()
        assert compliant > 0.1 * values.len() and 0 < not_compliant < 0.05 * compliant, (table, column)
    dates = pl.concat([frames["events"]["payload"], frames["audit_logs"]["changes"].drop_nulls()])
    iso, slashed = dates.str.count_matches(r'"\d{4}-\d{2}-\d{2}"').sum(), dates.str.count_matches(r'"[\d/]{10}"').sum()
    assert iso > 0 and 0 < slashed < 0.1 * iso
    provenance = frames["provenance"]
    expired = provenance.filter(
        pl.col("acquired_at").dt.offset_by(pl.format("{}y", pl.col("retention_years"))) < datetime(2026, 3, 30))
    assert expired.height > 0  # the provenance expiry job has rows to find


def test_the_same_seed_gives_the_same_frames_and_another_seed_does_not() -> None:
    ref = build_reference(11, STANDARDS)
    first = day_frames(11, DAY, SCALE, ref)
    again = day_frames(11, DAY, SCALE, build_reference(11, STANDARDS))
    other = day_frames(12, DAY, SCALE, build_reference(12, STANDARDS))
    for name, frame in first.items():
        assert frame.equals(again[name]), name
    assert not first["usage_events"].equals(other["usage_events"])


# -- on the databases ------------------------------------------------------------------------------
def test_same_seed_gives_identical_tables_on_two_fresh_databases(two_fresh_databases: tuple[str, str]) -> None:
    tables = []
    for url in two_fresh_databases:
        engine = engine_for(url)
        generate(engine, DAY + timedelta(days=1), 1, scale=SCALE, seed=11)
        generate(engine, DAY, 1, scale=SCALE, seed=11)  # days in any order
        tables.append(_tables(engine))
    first, second = tables
    assert first.keys() == second.keys()
    for name, frame in first.items():
        assert frame.equals(second[name]), f"{name} differs between two generations with seed 11"
    assert first["usage_events"].height > 0 and first["ai_dialogue_log"].height > 0


def _tables(engine) -> dict[str, pl.DataFrame]:
    """Every table the generator fills, ordered by all its columns (audit rows written by the seed-003
    triggers carry the wall-clock time and are left out)."""
    ref = build_reference(11, read_standards(engine))
    names = [t.name for t in raw_tables(contracts())] + list(ref.frames)
    frames = {}
    for name in names:
        where = "WHERE id >= 1000000000000" if name == "audit_logs" else ""
        frame = engine.read_frame(f"SELECT * FROM {name} {where}")
        frames[name] = frame.sort(frame.columns, nulls_last=True)
    return frames


def test_foreign_keys_hold_hard_and_soft(shared_server: str) -> None:
    engine = engine_for(shared_server)
    report = generate(engine, DAY, 2, scale=SCALE, seed=5)
    assert report.facts["usage_events"] > 0
    catalog = contracts()
    checked = 0
    for table in catalog.tables.values():
        for col in table.columns:
            if not col.references or table.kind not in ("raw", "reference"):
                continue
            parent, key = col.references.split(".", 1)
            orphans = engine.scalar(
                f"SELECT count(*) FROM {table.name} c WHERE c.{_q(engine, col.name)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {parent} p WHERE p.{_q(engine, key)} = c.{_q(engine, col.name)})"
            )
            assert orphans == 0, f"{table.name}.{col.name} → {col.references}: {orphans} orphans"
            checked += 1
    assert checked >= 20
    # Links the contracts leave as plain values: MCP calls point at the day's API calls, correlations at
    # events that happened at or before them, usage rows at the project's organization.
    assert engine.scalar(
        "SELECT count(*) FROM mcp_usage m WHERE NOT EXISTS (SELECT 1 FROM usage_events u "
        "WHERE u.request_id = m.parent_request_id AND u.mcp_server_id = m.server_id)") == 0
    ts = _q(engine, "timestamp")
    assert engine.scalar(
        f"SELECT count(*) FROM correlations c JOIN events e ON e.id IN (c.primary_event_id, c.related_event_id) "
        f"WHERE e.{ts} > c.{ts}") == 0
    assert engine.scalar(
        "SELECT count(*) FROM usage_events u JOIN projects p ON p.id = u.project_id WHERE p.org_id <> u.org_id") == 0


def _q(engine, column: str) -> str:
    return f'"{column}"' if engine.family == "postgresql" else f"`{column}`"


def test_regenerating_days_replaces_them_without_duplicates(shared_server: str) -> None:
    engine = engine_for(shared_server)
    generate(engine, DAY, 2, scale=SCALE, seed=3)
    before = {t.name: engine.scalar(f"SELECT count(*) FROM {t.name}") for t in raw_tables(contracts())}
    again = generate(engine, DAY + timedelta(days=1), 1, scale=SCALE, seed=3)
    generate(engine, DAY, 1, scale=SCALE, seed=3)
    after = {t.name: engine.scalar(f"SELECT count(*) FROM {t.name}") for t in raw_tables(contracts())}
    assert after == before
    assert sum(again.reference.values()) == 0  # reference rows are loaded once per seed
    assert engine.scalar("SELECT count(*) - count(DISTINCT id) FROM ai_dialogue_log") == 0
    assert engine.scalar("SELECT count(*) - count(DISTINCT request_id) FROM usage_events") == 0
    assert load_reference(engine, reference_frames(build_reference(3, read_standards(engine)))) == dict.fromkeys(
        reference_frames(build_reference(3, read_standards(engine))), 0)


def test_generate_command_loads_and_reports(shared_postgres: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COCKPIT_WAREHOUSE_URL", shared_postgres)
    args = argparse.Namespace(start=str(DAY), days=1, scale=SCALE, seed=9, to_landing=None)
    assert run_generate(args) == 0
    out = capsys.readouterr().out
    assert "raw rows:" in out and "usage_events" in out
    bad = argparse.Namespace(start="30/03/2026", days=1, scale=SCALE, seed=9, to_landing=None)
    assert run_generate(bad) == 2


def test_raw_tables_are_observed_with_row_counts_and_newest_time(shared_postgres: str) -> None:
    engine = engine_for(shared_postgres)
    generate(engine, DAY, 1, scale=SCALE, seed=2)
    context = dg.build_sensor_context(resources={"warehouse": WarehouseResource(url=shared_postgres)})
    result = raw_tables_observation_sensor(context)
    events = {e.asset_key: e for e in result.asset_events}
    usage = events[raw_key("usage_events")]
    assert usage.metadata["dagster/row_count"].value == engine.scalar("SELECT count(*) FROM usage_events")
    newest = usage.metadata["newest_timestamp"].value
    assert DAY.isoformat() <= datetime.fromtimestamp(newest).date().isoformat() <= (DAY + timedelta(days=1)).isoformat()
    # Unchanged tables are not reported again.
    repeat = raw_tables_observation_sensor(dg.build_sensor_context(
        cursor=result.cursor, resources={"warehouse": WarehouseResource(url=shared_postgres)}))
    assert repeat.asset_events == []
