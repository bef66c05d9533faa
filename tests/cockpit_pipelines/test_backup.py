"""Warehouse backups: a restore round trip on each engine, a damaged archive failing the check by name,
the retention of 30 days, and the backup asset with its blocking check."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
from conftest import _postgres_database, fresh_database, migrated

from cockpit_pipelines.archive.policies import Duration
from cockpit_pipelines.backup import (
    BackupError,
    _client_access,
    latest_backup,
    prune_backups,
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


def test_backups_are_kept_30_days(warehouse: Engine, tmp_path: Path) -> None:
    warehouse.execute("DELETE FROM warehouse_backups")
    days = [DAY - timedelta(days=n) for n in (31, 30, 29, 0)]
    taken = [take_backup(warehouse, d, root=tmp_path) for d in days]
    pruned = prune_backups(warehouse, DAY, Duration(30, "d"))
    assert [b.backup_date for b in pruned] == days[:2]
    assert [b.path.exists() for b in taken] == [False, False, True, True]
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
