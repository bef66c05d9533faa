"""Warehouse backups: a restore round trip on each engine, a damaged archive failing the check by name,
the manifest beside each archive (and `cockpit backup restore --file` from it once the warehouse is
gone), the retention of 30 days, and the backup asset with its blocking check."""

from __future__ import annotations

import json
import re
import shutil
import stat
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import psycopg
import pymysql
import pytest
from conftest import MARIADB, PG_ADMIN, _postgres_database, fresh_database, migrated
from new_user import new_user_env, sh

from cockpit_pipelines import cli
from cockpit_pipelines.archive.policies import Duration
from cockpit_pipelines.backup import (
    Backup,
    BackupError,
    _client_access,
    check_manifest,
    latest_backup,
    manifest_of,
    prune_backups,
    read_backup_file,
    restore_into,
    take_backup,
    verify_backup,
)
from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.generator.load import generate

DAY = date(2026, 3, 2)


@pytest.fixture(scope="module", params=["postgres", "mariadb", "embedded"])
def warehouse(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated warehouse with one generated day at a tiny scale, per engine."""
    if request.param == "embedded":
        socket_dir = request.getfixturevalue("embedded_server").split("host=", 1)[1]
        databases = _postgres_database(f"host={socket_dir} user=postgres dbname=postgres",
                                       lambda db: f"postgresql+psycopg://postgres@/{db}?host={socket_dir}")
    else:
        databases = fresh_database(request.param)
    for url in databases:
        engine = engine_for(migrated(url))
        generate(engine, date(2026, 3, 1), 1, scale=0.005, seed=5)
        yield engine


def _empty_database_like(engine: Engine, request: pytest.FixtureRequest) -> str:
    if engine.family == "mysql":
        return request.getfixturevalue("mariadb_url")
    if engine.url.query.get("host"):
        return request.getfixturevalue("embedded_url")
    return request.getfixturevalue("postgres_url")


def test_a_backup_restores_into_an_empty_database_identically(warehouse: Engine, tmp_path: Path,
                                                              request: pytest.FixtureRequest) -> None:
    backup = take_backup(warehouse, DAY, root=tmp_path)
    assert backup.path.is_file() and backup.path.stat().st_size == backup.size
    assert not list(backup.path.parent.glob(".*.tmp"))
    assert backup.rows > 0 and "warehouse_backups" in backup.tables
    assert latest_backup(warehouse, DAY) == backup
    # the manifest beside it describes the same backup as its row, field by field
    assert read_backup_file(backup.path) == read_backup_file(manifest_of(backup.path)) == backup
    assert not list(backup.path.parent.glob(".*.tmp"))
    # the check: a scratch database of the same server, dropped afterwards
    checked = verify_backup(warehouse, backup)
    assert checked.ok, checked.differences
    # the way back, into another empty database
    target = _empty_database_like(warehouse, request)
    restored = restore_into(backup, target)
    assert restored.ok, restored.differences
    assert engine_for(target).scalar("SELECT COUNT(*) FROM usage_events") == warehouse.scalar(
        "SELECT COUNT(*) FROM usage_events")
    with pytest.raises(BackupError, match="not empty"):
        restore_into(backup, target)


def test_a_damaged_backup_fails_its_check_naming_the_file(warehouse: Engine, tmp_path: Path) -> None:
    backup = take_backup(warehouse, DAY, root=tmp_path)
    payload = bytearray(backup.path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    backup.path.write_bytes(bytes(payload))
    with pytest.raises(BackupError, match=str(backup.path)) as failure:
        verify_backup(warehouse, backup)
    assert "damaged" in str(failure.value)
    backup.path.unlink()
    with pytest.raises(BackupError, match=f"{backup.path}: the backup file of {DAY} is missing"):
        verify_backup(warehouse, backup)


def test_a_manifest_disagreeing_with_its_row_fails_the_check_naming_the_disagreement(warehouse: Engine,
                                                                                     tmp_path: Path) -> None:
    backup = take_backup(warehouse, DAY, root=tmp_path)
    manifest = manifest_of(backup.path)
    data = json.loads(manifest.read_text())
    data["sha256"] = "0" * 64
    data["tables"]["warehouse_backups"]["rows"] += 1
    manifest.write_text(json.dumps(data))
    with pytest.raises(BackupError, match=f"{manifest}: disagrees with its warehouse_backups row") as failure:
        verify_backup(warehouse, backup)
    assert f"sha256 '{'0' * 64}' in the manifest, '{backup.sha256}' in the row" in str(failure.value)
    rows = backup.tables["warehouse_backups"].rows
    assert f"table warehouse_backups: {rows + 1:,} rows" in str(failure.value)
    manifest.write_text("{not json")
    with pytest.raises(BackupError, match=f"{manifest}: the manifest cannot be read"):
        check_manifest(backup)
    manifest.unlink()
    with pytest.raises(BackupError, match=f"{manifest}: the manifest of {backup.path} is missing"):
        verify_backup(warehouse, backup)


def test_a_postgresql_archive_restores_only_into_its_major_version_or_newer(
        warehouse: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if warehouse.family != "postgresql":
        pytest.skip("a pg_dump archive's version limit")
    backup = take_backup(warehouse, DAY, root=tmp_path)
    newer = replace(backup, tool="pg_dump (PostgreSQL) 99.1")
    with pytest.raises(BackupError, match=f"{backup.path}: dumped by pg_dump \\(PostgreSQL\\) 99.1, it restores "
                       "into PostgreSQL 99 or newer, not into"):
        restore_into(newer, _empty_database_like(warehouse, request))


def test_backups_are_kept_30_days(warehouse: Engine, tmp_path: Path) -> None:
    warehouse.execute("DELETE FROM warehouse_backups")
    days = [DAY - timedelta(days=n) for n in (31, 30, 29, 0)]
    taken = [take_backup(warehouse, d, root=tmp_path) for d in days]
    pruned = prune_backups(warehouse, DAY, Duration(30, "d"))
    assert [b.backup_date for b in pruned] == days[:2]
    assert [b.path.exists() for b in taken] == [False, False, True, True]
    assert [manifest_of(b.path).exists() for b in taken] == [False, False, True, True]
    assert not (tmp_path / warehouse.database / f"date={days[0]}").exists()
    assert latest_backup(warehouse, days[0]) is None and latest_backup(warehouse, days[2]) == taken[2]
    assert warehouse.scalar("SELECT COUNT(*) FROM warehouse_backups WHERE pruned_at IS NOT NULL") == 2
    assert prune_backups(warehouse, DAY, Duration(30, "d")) == []


def test_passwords_reach_the_tools_outside_their_command_line() -> None:
    from sqlalchemy.engine import make_url

    with _client_access(make_url("postgresql+psycopg://u:s3cret@db.example:5433/w")) as (argv, env):
        assert "s3cret" not in " ".join(argv) and env["PGPASSWORD"] == "s3cret"
    with _client_access(make_url('mysql+pymysql://u:p"w\\d@db.example:3307/w')) as (argv, env):
        assert "p\"w" not in " ".join(argv)
        defaults = Path(argv[0].split("=", 1)[1])
        assert stat.S_IMODE(defaults.stat().st_mode) == 0o600
        assert 'password="p\\"w\\\\d"' in defaults.read_text()
    assert not defaults.exists()


def test_the_backup_asset_and_its_blocking_check(postgres_url: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit_pipelines.assets.backup import backup_check_result, backup_restores_identically, warehouse_backup
    from cockpit_pipelines.resources import WarehouseResource

    monkeypatch.setenv("COCKPIT_BACKUP_URL", str(tmp_path))
    url = migrated(postgres_url)
    result = dg.materialize([warehouse_backup, backup_restores_identically], partition_key=DAY.isoformat(),
                            resources={"warehouse": WarehouseResource(url=url)})
    assert result.success
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert Path(meta["file"].value).is_relative_to(tmp_path) and meta["size_bytes"].value > 0
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed, evaluation.description
    # damaged: the blocking check fails, naming the file
    Path(meta["file"].value).write_bytes(b"not a backup")
    failed = backup_check_result(engine_for(url), DAY)
    assert not failed.passed and meta["file"].value in failed.description
    # a manifest that disagrees with the row fails it too, naming the disagreement
    manifest = Path(meta["manifest"].value)
    assert manifest == manifest_of(Path(meta["file"].value))
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "backup_date": "2026-03-01"}))
    failed = backup_check_result(engine_for(url), DAY)
    assert not failed.passed, failed.description
    assert f"{manifest}: disagrees with its warehouse_backups row" in failed.description
    assert "backup_date '2026-03-01' in the manifest, '2026-03-02' in the row" in failed.description


# --- the warehouse is gone: restoring from the file alone -------------------------------------------


@pytest.fixture(scope="module", params=["postgres", "mariadb"])
def lost(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backup]:
    """A backup of a tiny warehouse whose database was then dropped entirely, per engine family."""
    root = tmp_path_factory.mktemp("lost")
    for url in fresh_database(request.param):
        engine = engine_for(migrated(url))
        generate(engine, date(2026, 3, 1), 1, scale=0.005, seed=5)
        backup = take_backup(engine, DAY, root=root)
        _drop_database(engine)
        yield backup


def _drop_database(engine: Engine) -> None:
    if engine.family == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{engine.database}" WITH (FORCE)')
        return
    conn = pymysql.connect(**MARIADB)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE `{engine.database}`")
    conn.close()


def _cockpit_restore(file: Path, target: str, tmp_path: Path, expect: int) -> tuple[str, str]:
    """`cockpit backup restore --file` by its path, as a new user with no warehouse configured; it leaves
    no state behind (no embedded server started, no instance)."""
    home = tmp_path / "cockpit_home"
    cockpit = Path(sys.executable).with_name("cockpit")
    done = sh(f"{cockpit} backup restore --file '{file}' --to '{target}'", tmp_path,
              new_user_env(tmp_path, COCKPIT_HOME=str(home)), timeout=300, expect=expect)
    assert not home.exists()
    return done.stdout, done.stderr


def _empty_target(backup: Backup, request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("postgres_url" if backup.family == "postgresql" else "mariadb_url")


def test_a_lost_warehouse_restores_from_its_backup_file_alone(lost: Backup, tmp_path: Path,
                                                              request: pytest.FixtureRequest) -> None:
    target = _empty_target(lost, request)
    out, err = _cockpit_restore(lost.path, target, tmp_path, expect=0)
    assert f"restoring {lost.path}" in err
    assert "identical to the backup's snapshot" in out.splitlines()[-1]
    busiest = max(lost.tables, key=lambda name: lost.tables[name].rows)  # on PostgreSQL, a partition
    rows = lost.tables[busiest].rows
    assert re.search(rf"^{busiest} +{rows:,} +{rows:,}  identical$", out, re.M), out
    assert len([line for line in out.splitlines() if line.endswith("  identical")]) == len(lost.tables)
    assert engine_for(target).scalar(f"SELECT COUNT(*) FROM {busiest}") == rows > 0
    # the existing refusal of a non-empty target stays
    _, err = _cockpit_restore(lost.path, target, tmp_path, expect=1)
    assert "is not empty" in err


def test_a_damaged_backup_file_is_refused_naming_it(lost: Backup, tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    copy = tmp_path / "copied" / lost.path.name  # the manifest names its archive by file name: they move together
    copy.parent.mkdir()
    shutil.copy(manifest_of(lost.path), manifest_of(copy))
    payload = bytearray(lost.path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    copy.write_bytes(bytes(payload))
    target = _empty_target(lost, request)
    _, err = _cockpit_restore(manifest_of(copy), target, tmp_path, expect=1)
    assert f"error: {copy}: SHA-256 " in err and f", {lost.sha256} recorded: the file is damaged" in err
    copy.unlink()
    _, err = _cockpit_restore(manifest_of(copy), target, tmp_path, expect=1)
    assert f"error: {copy}: the backup file of {DAY} is missing" in err


def test_a_backup_file_without_its_manifest_is_refused(lost: Backup, tmp_path: Path) -> None:
    copy = tmp_path / lost.path.name
    shutil.copy(lost.path, copy)
    _, err = _cockpit_restore(copy, "postgresql+psycopg://postgres@127.0.0.1:5432/unused", tmp_path, expect=1)
    assert f"error: {manifest_of(copy)}: the manifest of {copy} is missing" in err
    _, err = _cockpit_restore(manifest_of(copy), "postgresql+psycopg://postgres@127.0.0.1:5432/unused", tmp_path,
                              expect=1)
    assert f"error: {manifest_of(copy)}: no such manifest" in err


def test_backup_restore_takes_exactly_one_of_date_and_file(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, message in ((["--to", "x"], "one of the arguments --date --file is required"),
                          (["--date", "2026-03-02", "--file", "f", "--to", "x"],
                           "argument --file: not allowed with argument --date")):
        with pytest.raises(SystemExit) as stopped:
            cli.main(["backup", "restore", *argv])
        assert stopped.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.postgres
def test_a_new_server_gets_the_roles_the_archive_grants_to(tmp_path: Path) -> None:
    """Roles belong to the server, not to the dumped database: restored where a role the archive grants to is
    missing (a new server after a loss), the role is created, NOLOGIN, and the grants come back with the rows."""
    role = f"cockpit_test_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        for url in fresh_database("postgres"):
            engine = engine_for(migrated(url))
            admin.execute(f'CREATE ROLE "{role}" NOLOGIN')
            engine.execute(f'GRANT SELECT ON usage_events TO "{role}"')
            backup = take_backup(engine, DAY, root=tmp_path)
            _drop_database(engine)
        admin.execute(f'DROP ROLE "{role}"')
        try:
            for target in fresh_database("postgres"):
                comparison = restore_into(read_backup_file(backup.path), target)
                assert comparison.ok and comparison.created_roles == (role,), comparison.description()
                assert f"NOLOGIN: {role}" in comparison.description()
                assert engine_for(target).scalar("SELECT has_table_privilege(:r, 'usage_events', 'SELECT')",
                                                  {"r": role})
                assert admin.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [role]).fetchone() == (
                    False,)
        finally:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
