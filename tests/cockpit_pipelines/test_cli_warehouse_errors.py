"""A warehouse the commands cannot use: one line naming it (password hidden) and the reason, exit 1, no
traceback; an unsupported engine likewise."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import make_url

from cockpit_pipelines.cli import main

UNUSABLE = [
    pytest.param("postgresql+psycopg://postgres:s3cret@127.0.0.1:5432/cockpit_no_such_database",
                 'database "cockpit_no_such_database" does not exist; the commands do not create the database: '
                 "create it (CREATE DATABASE cockpit_no_such_database), then run `cockpit migrate`",
                 marks=pytest.mark.postgres, id="postgres"),
    pytest.param("postgresql+psycopg://bob:s3cret@127.0.0.1:1/x", "Connection refused", id="refused"),
    pytest.param("mysql+pymysql://root:s3cret@127.0.0.1:3306/cockpit_no_such_database",
                 "Access denied for user 'root'", marks=pytest.mark.mariadb, id="mariadb"),
    pytest.param("mysql+pymysql://root:@127.0.0.1:3306/cockpit_no_such_database",
                 "Unknown database 'cockpit_no_such_database'; the commands do not create the database: create it "
                 "(CREATE DATABASE cockpit_no_such_database)", marks=pytest.mark.mariadb, id="mariadb-no-database"),
    pytest.param("sqlite:///warehouse.db", "COCKPIT_WAREHOUSE_URL uses 'sqlite'", id="sqlite"),
]


@pytest.mark.parametrize(("url", "reason"), UNUSABLE)
@pytest.mark.parametrize("command", [["migrate"], ["generate", "--start", "2026-01-01", "--days", "1"],
                                     ["archive"]])
def test_an_unusable_warehouse_is_one_line_naming_it(url: str, reason: str, command: list[str],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COCKPIT_WAREHOUSE_URL", url)
    assert main(command) == 1
    err = capsys.readouterr().err
    line = next(text for text in err.splitlines() if text.startswith("error: "))
    assert reason in line, err
    assert "s3cret" not in err and "Traceback" not in err
    if not url.startswith("sqlite"):
        assert f"cannot connect to the warehouse {make_url(url).render_as_string(hide_password=True)}" in line, err


@pytest.mark.parametrize("command", [["ingest", "."], ["archive"], ["backup"],
                                     ["generate", "--start", "2026-01-01", "--days", "1"],
                                     ["backfill", "--start", "2026-01-01", "--end", "2026-01-01"]])
def test_a_warehouse_with_pending_migrations_is_told_to_migrate(server_url: str, command: list[str],
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A new, empty database: the commands that read or write its tables say so instead of failing on the
    first missing table (`cockpit migrate` applies them)."""
    monkeypatch.setenv("COCKPIT_WAREHOUSE_URL", server_url)
    assert main(command) == 1
    err = capsys.readouterr().err
    assert re.search(r"^error: the warehouse .+ has \d+ pending migration\(s\), from 0001 .+: run `cockpit migrate` "
                     r"first$", err, re.M), err
    assert "Traceback" not in err
