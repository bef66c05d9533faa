"""Validations kept across runs (cockpit_pipelines/kept_validations.py) on the machine's PostgreSQL and
MariaDB: a passing suite is taken again only while the rows it read have the same fingerprint, and
nothing is installed on the validated tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from conftest import fresh_database, migrated

from cockpit_pipelines import suites
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.generator.load import generate
from cockpit_pipelines.kept_validations import REVALIDATE_ENV, rule_tables
from cockpit_pipelines.migrations import MigrationRunner, discover
from cockpit_pipelines.windows import Window

DAY = date(2026, 10, 5)
WINDOW = Window(datetime(2026, 10, 5), datetime(2026, 10, 6))
TABLE = "usage_events"
IN_WINDOW = "time >= '2026-10-05 00:00:00' AND time < '2026-10-06 00:00:00'"
MARK = 424242  # latency_ms of the rows a test inserts


@pytest.fixture(scope="module", params=("postgres", "mariadb"))
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Migrated, with a day of every raw table from the generator."""
    for url in fresh_database(request.param):
        generate(engine_for(migrated(url)), DAY, 1, scale=0.02)
        yield url


@pytest.fixture
def engine(url: str) -> Engine:
    """The module's warehouse, with the window validated and kept (whatever an earlier test changed)."""
    engine = engine_for(url)
    assert suites.validate(engine, TABLE, WINDOW).passed
    assert suites.kept_outcome(engine, TABLE, WINDOW) is not None
    return engine


def _copy_row(engine: Engine, *, days_later: int = 0) -> None:
    """Insert a copy of a row of the window (latency_ms = MARK), `days_later` days later."""
    shifted = {"postgresql": f"time + INTERVAL '{days_later} days'", "mysql": f"time + INTERVAL {days_later} DAY"}
    names = contracts().table(TABLE).column_names
    values = [str(MARK) if n == "latency_ms" else shifted[engine.family] if n == "time" else n for n in names]
    engine.execute(f"INSERT INTO usage_events ({', '.join(names)}) SELECT {', '.join(values)} "
                   f"FROM usage_events WHERE {IN_WINDOW} LIMIT 1")


def _catalog(engine: Engine, table: str) -> list[tuple]:
    """What the catalog says of `table` (its partitions included): relations, columns, indexes,
    constraints and triggers."""
    if engine.family == "postgresql":
        return engine.query(
            "WITH rel AS (SELECT c.oid FROM pg_class c WHERE c.oid = CAST(:t AS regclass) UNION "
            "SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = CAST(:t AS regclass)) "
            "SELECT 'rel', c.relname, c.relkind::text, c.relhastriggers::text, c.xmin::text FROM pg_class c "
            "JOIN rel ON rel.oid = c.oid "
            "UNION ALL SELECT 'column', a.attrelid::regclass::text, a.attname, format_type(a.atttypid, a.atttypmod), "
            "a.attnotnull::text FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid WHERE a.attnum > 0 "
            "UNION ALL SELECT 'index', i.indrelid::regclass::text, i.indexrelid::regclass::text, '', '' "
            "FROM pg_index i JOIN rel ON rel.oid = i.indrelid "
            "UNION ALL SELECT 'constraint', k.conrelid::regclass::text, k.conname, '', '' "
            "FROM pg_constraint k JOIN rel ON rel.oid = k.conrelid "
            "UNION ALL SELECT 'trigger', t.tgrelid::regclass::text, t.tgname, '', '' "
            "FROM pg_trigger t JOIN rel ON rel.oid = t.tgrelid ORDER BY 1, 2, 3",
            {"t": table},
        )
    return [*engine.query(f"SHOW CREATE TABLE {table}"),
            *engine.query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() "
                          "AND EVENT_OBJECT_TABLE = :t", {"t": table})]


def _triggers(engine: Engine, table: str) -> int:
    """The triggers on `table` and its partitions (PostgreSQL: not the internal ones of foreign keys)."""
    if engine.family == "postgresql":
        return engine.scalar(
            "SELECT COUNT(*) FROM pg_trigger t WHERE NOT t.tgisinternal AND (t.tgrelid = CAST(:t AS regclass) OR "
            "t.tgrelid IN (SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = CAST(:t AS regclass)))",
            {"t": table})
    return engine.scalar("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() "
                         "AND EVENT_OBJECT_TABLE = :t", {"t": table})


def _one_row_in_window(engine: Engine, statement: str) -> None:
    """`statement` (an UPDATE or DELETE of `{table}`) applied to one row of the window."""
    if engine.family == "postgresql":
        partition = "usage_events_p202610"
        engine.execute(statement.format(table=partition) +
                       f" WHERE ctid = (SELECT ctid FROM {partition} WHERE {IN_WINDOW} LIMIT 1)")
    else:
        engine.execute(statement.format(table=TABLE) + f" WHERE {IN_WINDOW} LIMIT 1")


def test_a_passing_validation_is_kept_on_the_second_check(engine: Engine) -> None:
    engine.execute("DELETE FROM validation_results")
    validated = suites.validate(engine, TABLE, WINDOW)
    kept = suites.validate(engine, TABLE, WINDOW)
    assert validated.passed and validated.kept_from is None and validated.rows > 0
    assert kept.passed and kept.kept_from is not None
    assert (kept.rows, kept.evaluated) == (validated.rows, validated.evaluated)
    assert kept.fingerprint == validated.fingerprint and len(kept.fingerprint or "") == 64
    assert kept.fingerprinted == (TABLE, "organizations", "projects", "users")
    assert "none of the rows it read has changed since" in kept.description()
    recorded = engine.scalar("SELECT fingerprint FROM validation_results WHERE table_name = :t", {"t": TABLE})
    assert recorded == kept.fingerprint


def test_an_updated_row_in_the_window_is_validated_again(engine: Engine) -> None:
    """latency_ms is not the late-data digest column (cost_cents): the window's fingerprint sees the write."""
    _one_row_in_window(engine, "UPDATE {table} SET latency_ms = COALESCE(latency_ms, 0) + 1")
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is not None


def test_an_inserted_row_in_the_window_is_validated_again_and_its_removal_restores_the_fingerprint(
        engine: Engine) -> None:
    before = suites.kept_outcome(engine, TABLE, WINDOW)
    _copy_row(engine)
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None
    outcome = suites.validate(engine, TABLE, WINDOW)
    assert outcome.kept_from is None and outcome.rows == (before.rows if before else 0) + 1
    engine.execute(f"DELETE FROM usage_events WHERE latency_ms = {MARK}")
    # the same rows as at the kept validation: the same fingerprint
    assert before and suites.validate(engine, TABLE, WINDOW).fingerprint == before.fingerprint


def test_a_deleted_row_in_the_window_is_validated_again(engine: Engine) -> None:
    _one_row_in_window(engine, "DELETE FROM {table}")
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is None


def test_rows_rewritten_with_the_same_values(engine: Engine) -> None:
    """PostgreSQL fingerprints row versions: a rewrite that changes no value is still a write, and the
    suite is validated again. The MySQL family fingerprints content: the validation is kept."""
    suites.validate(engine, TABLE, WINDOW)
    engine.execute(f"UPDATE usage_events SET latency_ms = latency_ms WHERE {IN_WINDOW}")
    kept = suites.kept_outcome(engine, TABLE, WINDOW)
    assert (kept is None) if engine.family == "postgresql" else (kept is not None)
    assert suites.validate(engine, TABLE, WINDOW).passed


def test_a_change_outside_the_window_keeps_the_validation(engine: Engine) -> None:
    _copy_row(engine, days_later=4)
    engine.execute(f"UPDATE usage_events SET model = 'elsewhere' WHERE latency_ms = {MARK}")
    assert suites.kept_outcome(engine, TABLE, WINDOW) is not None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is not None
    engine.execute(f"DELETE FROM usage_events WHERE latency_ms = {MARK}")


def test_a_change_to_a_table_a_rule_joins_validates_again(engine: Engine) -> None:
    if engine.family == "postgresql":
        engine.execute("UPDATE users SET name = CONCAT(name, 'x') WHERE id = "
                       "(SELECT id FROM users ORDER BY id LIMIT 1)")
    else:
        engine.execute("UPDATE users SET name = CONCAT(name, 'x') ORDER BY id LIMIT 1")
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is None


def test_revalidate_validates_and_records_again(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = suites.kept_outcome(engine, TABLE, WINDOW)
    monkeypatch.setenv(REVALIDATE_ENV, "1")
    assert suites.kept_outcome(engine, TABLE, WINDOW) is None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is None
    monkeypatch.delenv(REVALIDATE_ENV)
    again = suites.kept_outcome(engine, TABLE, WINDOW)
    assert kept and kept.kept_from and again and again.kept_from and again.kept_from > kept.kept_from


def test_a_failing_validation_is_not_kept(engine: Engine) -> None:
    engine.execute(f"UPDATE usage_events SET input_tokens = -1 WHERE {IN_WINDOW} AND input_tokens = "
                   f"(SELECT m FROM (SELECT MIN(input_tokens) AS m FROM usage_events WHERE {IN_WINDOW}) AS x)")
    try:
        assert suites.validate(engine, TABLE, WINDOW).blocks
        again = suites.validate(engine, TABLE, WINDOW)
        assert again.blocks and again.kept_from is None
    finally:
        engine.execute("UPDATE usage_events SET input_tokens = 0 WHERE input_tokens < 0")


def test_validating_installs_nothing_on_the_tables_it_reads(engine: Engine) -> None:
    read = (TABLE, "organizations", "projects", "users")
    before = {t: _catalog(engine, t) for t in read}
    engine.execute("DELETE FROM validation_results")
    assert suites.validate(engine, TABLE, WINDOW).kept_from is None
    assert suites.validate(engine, TABLE, WINDOW).kept_from is not None
    assert {t: _catalog(engine, t) for t in read} == before
    assert _triggers(engine, TABLE) == 0


def test_the_tables_rules_join_are_the_contract_tables_they_name() -> None:
    def rules(table: str) -> list[str]:
        return [e["kwargs"]["unexpected_rows_query"] for e in suites.read_suite(table)["expectations"]
                if e["type"] == suites.UNEXPECTED_ROWS]

    assert rule_tables(rules("usage_events")) == ["organizations", "projects", "users"]
    assert rule_tables(rules("correlations")) == ["events"]
    assert rule_tables(rules("usage_hourly")) == []
    assert rule_tables(["SELECT 1 FROM USERS u, usage_events_extra x"]) == ["users"]


def _has_change_log(engine: Engine) -> int:
    schema = "current_schema()" if engine.family == "postgresql" else "DATABASE()"
    return engine.scalar(f"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = {schema} "
                         "AND table_name = 'table_changes'")


@pytest.mark.parametrize("engine_name", ("postgres", "mariadb"))
def test_migration_0064_drops_the_change_log_and_every_trigger_on_it(engine_name: str) -> None:
    for url in fresh_database(engine_name):
        engine = engine_for(url)
        MigrationRunner(engine, [m for m in discover(engine.family) if m.version < "0064"]).migrate(log=lambda _: None)
        if engine.family == "postgresql":
            for table in ("usage_events", "usage_events_default", "users"):
                engine.execute(f"CREATE TRIGGER cockpit_track_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                               f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION cockpit_note_change('public')")
        else:
            engine.execute("CREATE TRIGGER cockpit_track_changes AFTER INSERT ON users FOR EACH ROW SET @x = 1")
        engine.execute("INSERT INTO validation_results VALUES ('usage_events', 'all', :d, :d, 0, 0, '2026-01-01')",
                       {"d": "0" * 64})
        MigrationRunner(engine).migrate(log=lambda _: None)
        assert _triggers(engine, "usage_events") == 0
        assert engine.scalar("SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'cockpit_track_changes'"
                             if engine.family == "postgresql" else
                             "SELECT COUNT(*) FROM information_schema.TRIGGERS "
                             "WHERE TRIGGER_NAME = 'cockpit_track_changes'") == 0
        assert engine.scalar("SELECT COUNT(*) FROM validation_results") == 0
        assert _has_change_log(engine) == 0
        if engine.family == "postgresql":
            assert engine.scalar("SELECT to_regprocedure('cockpit_note_change()')") is None
        MigrationRunner(engine).down("0063", log=lambda _: None)
        assert _has_change_log(engine) == 1
        MigrationRunner(engine).migrate(log=lambda _: None)
