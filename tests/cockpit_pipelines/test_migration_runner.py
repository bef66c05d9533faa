"""The migration runner's guarantees, on real engines, with small migrations written for each test."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.migrations import HISTORY_TABLE, MigrationError, MigrationRunner, discover

JSON = {"postgresql": "jsonb", "mysql": "json"}


def write_migrations(folder: Path, family: str, *, broken_third: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "0001_base": (
            f"-- domain: alpha\nCREATE TABLE widgets (id integer PRIMARY KEY, attrs {JSON[family]});\n"
            "INSERT INTO widgets (id) VALUES (1);\n",
            "DROP TABLE widgets;\n",
        ),
        "0002_more": (
            "-- domain: beta\nCREATE TABLE gadgets (id integer PRIMARY KEY, widget_id integer);\n"
            "CREATE INDEX idx_gadgets_widget ON gadgets (widget_id);\n",
            "DROP TABLE gadgets;\n",
        ),
    }
    if broken_third:
        files["0003_half"] = (
            "-- domain: beta\nCREATE TABLE sprockets (id integer PRIMARY KEY);\n"
            "ALTER TABLE no_such_table ADD COLUMN x integer;\n"
            "CREATE TABLE cogs (id integer PRIMARY KEY);\n",
            "DROP TABLE IF EXISTS cogs;\nDROP TABLE IF EXISTS sprockets;\n",
        )
    for stem, (up, down) in files.items():
        (folder / f"{stem}.up.sql").write_text(up)
        (folder / f"{stem}.down.sql").write_text(down)
    return folder


def runner_for(url: str, folder: Path) -> MigrationRunner:
    engine = engine_for(url)
    return MigrationRunner(engine, discover(engine.family, folder))


def tables(url: str) -> set[str]:
    return set(engine_for(url).catalog_columns())


def test_apply_then_rerun_is_a_noop(warehouse_url: str, tmp_path: Path) -> None:
    engine = engine_for(warehouse_url)
    runner = runner_for(warehouse_url, write_migrations(tmp_path, engine.family))
    assert [m.version for m in runner.migrate(log=lambda _: None)] == ["0001", "0002"]
    assert {"widgets", "gadgets", HISTORY_TABLE} <= tables(warehouse_url)
    assert runner.migrate(log=lambda _: None) == []
    assert engine.scalar("SELECT COUNT(*) FROM widgets") == 1  # the data step ran exactly once
    assert {s.state for s in runner.status()} == {"applied"}


def test_edited_applied_migration_is_refused_by_name(server_url: str, tmp_path: Path) -> None:
    family = engine_for(server_url).family
    folder = write_migrations(tmp_path, family)
    runner_for(server_url, folder).migrate(log=lambda _: None)
    path = folder / "0001_base.up.sql"
    path.write_text(path.read_text() + "-- a later edit\n")
    runner = runner_for(server_url, folder)
    with pytest.raises(MigrationError, match=r"checksum mismatch: .*0001_base\.up\.sql was edited"):
        runner.migrate(log=lambda _: None)
    assert runner.status()[0].state == "changed"


def test_two_concurrent_runs_apply_each_migration_once(server_url: str, tmp_path: Path) -> None:
    family = engine_for(server_url).family
    folder = write_migrations(tmp_path, family)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            applied = runner_for(server_url, folder).migrate(log=lambda _: None)
            results.append([m.version for m in applied])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [[], ["0001", "0002"]]
    assert engine_for(server_url).scalar("SELECT COUNT(*) FROM widgets") == 1


def test_postgres_rolls_back_a_failed_migration_with_its_history_row(postgres_url: str, tmp_path: Path) -> None:
    folder = write_migrations(tmp_path, "postgresql", broken_third=True)
    runner = runner_for(postgres_url, folder)
    with pytest.raises(MigrationError, match=r"0003_half\.up\.sql:3: .*no_such_table"):
        runner.migrate(log=lambda _: None)
    assert "sprockets" not in tables(postgres_url)  # the DDL before the failure rolled back too
    assert {s.version: s.state for s in runner.status()} == {"0001": "applied", "0002": "applied", "0003": "pending"}


def test_mysql_failure_leaves_a_dirty_state_until_repair(mariadb_url: str, tmp_path: Path) -> None:
    folder = write_migrations(tmp_path, "mysql", broken_third=True)
    runner = runner_for(mariadb_url, folder)
    with pytest.raises(MigrationError, match=r"0003_half\.up\.sql:3"):
        runner.migrate(log=lambda _: None)
    status = {s.version: s for s in runner.status()}
    assert status["0003"].state == "dirty"
    assert "failed after 1/3 statements" in status["0003"].detail
    with pytest.raises(MigrationError, match=r"(?s)0003_half\.up\.sql\) is dirty.*cockpit migrate repair"):
        runner.migrate(log=lambda _: None)

    # The operator undoes the half-applied statement and fixes the file, then repairs.
    engine_for(mariadb_url).execute("DROP TABLE sprockets")
    (folder / "0003_half.up.sql").write_text(
        "-- domain: beta\nCREATE TABLE sprockets (id integer PRIMARY KEY);\n"
        "CREATE TABLE cogs (id integer PRIMARY KEY);\n"
    )
    runner = runner_for(mariadb_url, folder)
    assert runner.repair(log=lambda _: None) == ["0003"]
    assert [m.version for m in runner.migrate(log=lambda _: None)] == ["0003"]
    assert {"sprockets", "cogs"} <= tables(mariadb_url)


def test_down_reverts_newest_first(server_url: str, tmp_path: Path) -> None:
    family = engine_for(server_url).family
    runner = runner_for(server_url, write_migrations(tmp_path, family))
    runner.migrate(log=lambda _: None)
    assert [m.version for m in runner.down("0001", log=lambda _: None)] == ["0002"]
    assert "gadgets" not in tables(server_url)
    assert [m.version for m in runner.down("0000", log=lambda _: None)] == ["0001"]
    assert tables(server_url) == {HISTORY_TABLE}


def test_dry_run_prints_sql_and_changes_nothing(server_url: str, tmp_path: Path) -> None:
    family = engine_for(server_url).family
    runner = runner_for(server_url, write_migrations(tmp_path, family))
    printed: list[str] = []
    planned = runner.migrate(dry_run=True, log=printed.append)
    assert [m.version for m in planned] == ["0001", "0002"]
    assert any("CREATE TABLE widgets" in line for line in printed)
    assert "widgets" not in tables(server_url)


def test_a_domain_subset_needs_its_parents_first(postgres_url: str, tmp_path: Path) -> None:
    runner = runner_for(postgres_url, write_migrations(tmp_path, "postgresql"))
    with pytest.raises(MigrationError, match="needs 0001 base \\[alpha\\] first"):
        runner.migrate(["beta"], log=lambda _: None, domain_parents={"beta": {"alpha"}})
    assert [m.version for m in runner.migrate(["alpha"], log=lambda _: None)] == ["0001"]
    assert [m.version for m in runner.migrate(["beta"], log=lambda _: None,
                                              domain_parents={"beta": {"alpha"}})] == ["0002"]
