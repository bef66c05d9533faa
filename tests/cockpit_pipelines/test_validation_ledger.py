"""Validations kept across runs (cockpit_pipelines/validation_ledger.py) on the machine's PostgreSQL and
MariaDB: a passing suite is taken again only while nothing it read has changed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest
from conftest import fresh_database, migrated

from cockpit_pipelines import suites
from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.generator.load import ensure_partitions, generate
from cockpit_pipelines.validation_ledger import REVALIDATE_ENV, TRIGGER

DAY = date(2026, 10, 5)
WINDOW = suites.Window(datetime(2026, 10, 5), datetime(2026, 10, 6))
TABLE = "usage_events"


def _loaded(url: str) -> str:
    """Migrated, with a day of every raw table from the generator (October's partitions) and November's."""
    engine = engine_for(migrated(url))
    generate(engine, DAY, 1, scale=0.02)
    ensure_partitions(engine, date(2026, 11, 1), date(2026, 11, 30))
    return url


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    for url in fresh_database("postgres"):
        yield _loaded(url)


@pytest.fixture
def engine(postgres_url: str) -> Engine:
    """The module's warehouse, with the window validated and kept (whatever an earlier test changed)."""
    engine = engine_for(postgres_url)
    assert suites.validate(engine, TABLE, WINDOW).passed
    assert suites.kept_outcome(engine, TABLE, WINDOW) is not None
    return engine


def _libpq(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sql(engine: Engine, *statements: str) -> None:
    """Each statement in its own transaction, as another client of the warehouse."""
    with psycopg.connect(_libpq(engine), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def test_a_passing_validation_is_taken_again_while_no_row_changes(engine: Engine) -> None:
    validated = suites.validate(engine, TABLE, WINDOW)
    kept = suites.validate(engine, TABLE, WINDOW)
    assert validated.kept_from is not None  # the fixture kept it
    assert kept.kept_from is not None and kept.passed
    assert (kept.rows, kept.evaluated) == (validated.rows, validated.evaluated)
    assert kept.rows > 0
    assert "none of the rows it read has changed since" in kept.description()


@pytest.mark.parametrize(
    "change",
    [
        # the window's partition, written directly
        "UPDATE usage_events_p202610 SET input_tokens = input_tokens + 1 WHERE ctid = "
        "(SELECT ctid FROM usage_events_p202610 LIMIT 1)",
        # through the partitioned table, even a statement that matches no row
        "DELETE FROM usage_events WHERE false",
        # a table that a SQL rule of the suite joins (its foreign-key rule on users)
        "UPDATE users SET name = name WHERE ctid = (SELECT ctid FROM users LIMIT 1)",
        "ALTER TABLE usage_events ADD COLUMN probe integer; ALTER TABLE usage_events DROP COLUMN probe",
        # the window's partition swapped out and back in
        "ALTER TABLE usage_events DETACH PARTITION usage_events_p202610; ALTER TABLE usage_events ATTACH "
        "PARTITION usage_events_p202610 FOR VALUES FROM ('2026-10-01') TO ('2026-11-01')",
    ],
    ids=["partition", "parent", "joined-table", "column-added-and-dropped", "detach-attach"],
)
def test_a_write_or_ddl_on_what_the_suite_reads_validates_again(engine: Engine, change: str) -> None:
    _sql(engine, change)
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is None


def test_a_write_while_the_trigger_was_disabled_validates_again(engine: Engine) -> None:
    _sql(engine,
         f"ALTER TABLE usage_events_p202610 DISABLE TRIGGER {TRIGGER}",
         "UPDATE usage_events_p202610 SET output_tokens = output_tokens WHERE ctid = "
         "(SELECT ctid FROM usage_events_p202610 LIMIT 1)",
         f"ALTER TABLE usage_events_p202610 ENABLE ALWAYS TRIGGER {TRIGGER}")
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None


def test_a_write_committed_during_the_validation_is_seen_after_it(engine: Engine) -> None:
    """The fingerprint is read before the validation: a write that commits after that read changes
    the next one, even when it began earlier."""
    _sql(engine, "DELETE FROM usage_events WHERE false")
    with psycopg.connect(_libpq(engine)) as writer:
        writer.execute("UPDATE usage_events_p202610 SET cost_cents = cost_cents WHERE ctid = "
                       "(SELECT ctid FROM usage_events_p202610 LIMIT 1)")
        # not committed yet: the validation sees neither the new row version nor its log entry
        assert suites.validate(engine, TABLE, WINDOW).kept_from is None
        assert suites.kept_outcome(engine, TABLE, WINDOW) is not None
        writer.commit()
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None


def test_writes_to_another_month_keep_the_validation(engine: Engine) -> None:
    _sql(engine,
         "INSERT INTO usage_events_p202611 SELECT * FROM usage_events_p202610 LIMIT 0",
         "UPDATE usage_events_p202611 SET input_tokens = 0 WHERE false",
         "CREATE TABLE probe_unrelated (id integer)", "INSERT INTO probe_unrelated VALUES (1)")
    assert suites.kept_outcome(engine, TABLE, WINDOW) is not None


def test_loading_another_month_keeps_the_validation_and_the_same_month_does_not(engine: Engine) -> None:
    """`cockpit generate` writes an existing month's partition directly, not through the partitioned table."""
    generate(engine, date(2026, 11, 3), 1, scale=0.02)
    assert suites.kept_outcome(engine, TABLE, WINDOW) is not None
    generate(engine, date(2026, 10, 7), 1, scale=0.02)
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None


def test_a_failing_validation_is_not_kept(engine: Engine) -> None:
    _sql(engine, "UPDATE usage_events_p202610 SET input_tokens = -1 WHERE ctid = "
                 "(SELECT ctid FROM usage_events_p202610 LIMIT 1)")
    try:
        first = suites.validate(engine, TABLE, WINDOW)
        assert first.blocks
        again = suites.validate(engine, TABLE, WINDOW)
        assert again.blocks and again.kept_from is None
    finally:
        _sql(engine, "UPDATE usage_events_p202610 SET input_tokens = 0 WHERE input_tokens < 0")


def test_an_edited_suite_is_validated_again(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in suites.EXPECTATIONS_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    suite = json.loads((tmp_path / f"{TABLE}.json").read_text())
    suite["expectations"] = suite["expectations"][:-1]
    (tmp_path / f"{TABLE}.json").write_text(json.dumps(suite))
    monkeypatch.setattr(suites, "EXPECTATIONS_DIR", tmp_path)
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None
    assert suites.validate(engine, TABLE, WINDOW).evaluated == len(suite["expectations"])


def test_revalidate_takes_no_kept_validation(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REVALIDATE_ENV, "1")
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is None


def test_a_table_its_writers_hold_is_validated_without_keeping(postgres_url: str) -> None:
    """The trigger cannot be created while a writer holds the table (lock timeout): nothing is kept,
    and the validation runs all the same."""
    engine = engine_for(postgres_url)
    _sql(engine, f"DROP TRIGGER IF EXISTS {TRIGGER} ON organizations")
    with psycopg.connect(_libpq(engine)) as writer:
        writer.execute("LOCK TABLE organizations IN ROW EXCLUSIVE MODE")
        outcome = suites.validate(engine, TABLE, WINDOW)
        assert outcome.passed and outcome.kept_from is None
        assert suites.kept_outcome(engine, TABLE, WINDOW) is None
        writer.rollback()
    suites.validate(engine, TABLE, WINDOW)
    assert suites.kept_outcome(engine, TABLE, WINDOW) is not None


def test_the_mysql_family_keeps_no_validation() -> None:
    for url in fresh_database("mariadb"):
        engine = engine_for(_loaded(url))
        assert suites.validate(engine, TABLE, WINDOW).passed
        assert suites.validate(engine, TABLE, WINDOW).kept_from is None
        assert engine.scalar("SELECT COUNT(*) FROM validation_results") == 0
