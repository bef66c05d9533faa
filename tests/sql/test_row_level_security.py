"""Seed 002's row-level security on PostgreSQL (migration 0065), seen as the application role cockpit_app,
on the machine's PostgreSQL and the embedded one; the MySQL family has none."""

from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest
from conftest import migrated

from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.migrations import MigrationRunner

USERS = [uuid.UUID(int=i) for i in (1, 2, 3)]
DIALOGUES = {USERS[0]: 3, USERS[1]: 2, USERS[2]: 0}
PROVENANCE = {USERS[0]: 2, USERS[1]: 1, None: 1}  # None: acquired_by NULL


def _populate(url: str) -> None:
    engine = engine_for(url)
    # One month gets a partition of its own, the other stays in ai_dialogue_log_default.
    engine.ensure_month_partitions("ai_dialogue_log", date(2026, 3, 1), date(2026, 3, 1))
    with engine.transaction() as conn:
        for n, user in enumerate(USERS):
            conn.execute("INSERT INTO users (id, email, name) VALUES (%s, %s, %s)", [user, f"u{n}@x.test", f"u{n}"])
        for user, count in DIALOGUES.items():
            for i in range(count):
                conn.execute(
                    "INSERT INTO ai_dialogue_log (user_id, session_id, query, response, model_used, created_at) "
                    "VALUES (%s, gen_random_uuid(), 'q', 'r', 'm', %s)",
                    [user, f"2026-0{2 + i % 2}-10 12:00:00"])
        material = conn.execute("INSERT INTO materials (title) VALUES ('m') RETURNING id").fetchone()[0]
        for user, count in PROVENANCE.items():
            for _ in range(count):
                conn.execute("INSERT INTO provenance (content_id, content_type, acquisition_method, acquired_by) "
                             "VALUES (%s, 'material', 'manual_upload', %s)", [material, user])


@pytest.fixture(params=["postgres", "embedded"])
def app_session(request: pytest.FixtureRequest):
    """A connection as cockpit_app (SET ROLE) to a migrated warehouse holding a few users' rows."""
    url = migrated(request.getfixturevalue(f"{request.param}_url"))
    _populate(url)
    with engine_for(url).connect() as conn:
        conn.autocommit = True
        conn.execute("SET row_security = on")  # as an application's session has it (the pipeline's: off)
        conn.execute("SET ROLE cockpit_app")
        yield conn


def _count(conn: psycopg.Connection, table: str, **settings: str) -> int:
    with conn.transaction():
        for name, value in settings.items():
            conn.execute("SELECT set_config(%s, %s, true)", [f"app.{name}", value])
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_user_reads_exactly_their_own_dialogues_and_provenance(app_session: psycopg.Connection) -> None:
    for user in USERS:
        assert _count(app_session, "ai_dialogue_log", current_user_id=str(user)) == DIALOGUES[user]
        assert _count(app_session, "provenance", current_user_id=str(user)) == PROVENANCE.get(user, 0)
    rows = app_session.execute("SELECT DISTINCT user_id FROM ai_dialogue_log").fetchall()
    assert rows == []  # the settings were local to their transactions


def test_no_user_id_reads_no_rows_and_no_error(app_session: psycopg.Connection) -> None:
    assert _count(app_session, "ai_dialogue_log") == 0
    assert _count(app_session, "provenance") == 0
    # set earlier in the session, then gone: the setting reads as an empty string, still no rows
    assert _count(app_session, "ai_dialogue_log", current_user_id="") == 0


def test_an_admin_reads_every_provenance_row_but_only_their_dialogues(app_session: psycopg.Connection) -> None:
    assert _count(app_session, "provenance", user_role="admin") == sum(PROVENANCE.values())
    assert _count(app_session, "provenance", user_role="admin", current_user_id=str(USERS[1])) == 4
    assert _count(app_session, "ai_dialogue_log", user_role="admin") == 0
    assert _count(app_session, "provenance", user_role="analyst") == 0


def test_partitions_are_not_readable_around_the_policies(app_session: psycopg.Connection) -> None:
    for partition in ("ai_dialogue_log_default", "ai_dialogue_log_p202603"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _count(app_session, partition, current_user_id=str(USERS[0]))


def test_the_pipeline_never_reads_a_filtered_subset(postgres_url: str) -> None:
    """The owner reads every row; a pipeline connection as a role the policies apply to fails loudly."""
    url = migrated(postgres_url)
    _populate(url)
    engine = engine_for(url)
    assert engine.scalar("SELECT count(*) FROM ai_dialogue_log") == sum(DIALOGUES.values())
    assert engine.read_frame("SELECT count(*) AS n FROM provenance")["n"][0] == sum(PROVENANCE.values())
    with engine.transaction() as conn:
        conn.execute("SET LOCAL ROLE cockpit_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("SELECT count(*) FROM ai_dialogue_log")
        conn.rollback()


def test_the_role_survives_reverting_one_database(postgres_url: str) -> None:
    """cockpit_app belongs to the server: a down migration in one database leaves it to the others."""
    url = migrated(postgres_url)
    engine = engine_for(url)
    MigrationRunner(engine).down("0064", log=lambda _: None)
    assert engine.scalar("SELECT count(*) FROM pg_policies") == 0
    assert engine.scalar("SELECT count(*) FROM pg_roles WHERE rolname = 'cockpit_app'") == 1
    MigrationRunner(engine).migrate(log=lambda _: None)
    assert engine.scalar("SELECT count(*) FROM pg_policies") == 2


@pytest.mark.parametrize("engine_name", ["postgres", "mariadb"])
def test_the_schema_asset_says_which_policies_exist(engine_name: str, request: pytest.FixtureRequest) -> None:
    from cockpit_pipelines.assets.schema import row_security
    from cockpit_pipelines.contracts import contracts

    engine = engine_for(migrated(request.getfixturevalue(f"{engine_name}_url")))
    shown = row_security(engine, contracts().domains["rag_provenance"]).value
    if engine_name == "postgres":
        assert [(p["table"], p["policy"], p["command"]) for p in shown] == [
            ("ai_dialogue_log", "ai_dialogue_user_isolation", "SELECT"),
            ("provenance", "provenance_read_policy", "SELECT")]
        assert row_security(engine, contracts().domains["telemetry"]).value == []
    else:
        assert shown.startswith("none: mariadb has no row-level security")
