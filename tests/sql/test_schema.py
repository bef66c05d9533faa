"""The migrations build exactly the contracts on every engine, and the contracts cover every seed table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from cockpit_pipelines.contracts import compare, contracts
from cockpit_pipelines.engines import engine_for
from cockpit_pipelines.migrations import MigrationRunner, discover

SEEDS = REPO_ROOT.parent / "shared" / "seeds"
_NOT_COLUMNS = {"index", "primary", "foreign", "unique", "constraint", "key", "check", "fulltext", "partition"}
quiet = {"log": lambda _: None}


def _balanced(text: str, start: int) -> str:
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1 : i]
    raise ValueError("unbalanced parentheses")


def _top_level_items(body: str) -> list[str]:
    items, depth, current = [], 0, []
    for ch in body:
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return items


def seed_columns() -> dict[str, set[str]]:
    """Tables and columns that the seeds' own SQL defines (CREATE TABLE, ADD COLUMN, the RAG rollback list)."""
    found: dict[str, set[str]] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text()
        for m in re.finditer(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)\s*\(", text):
            body = _balanced(text, m.end() - 1)
            body = re.sub(r"--[^\n]*", "", body)
            body = re.sub(r"'[^']*'", "''", body)  # JSON defaults hold commas
            for item in _top_level_items(body):
                words = item.split()
                if words and re.split(r"\W", words[0])[0].lower() not in _NOT_COLUMNS:
                    found.setdefault(m.group(1), set()).add(words[0])
        for m in re.finditer(r"(?:ADD|DROP) COLUMN (?:IF (?:NOT )?EXISTS )?(\w+)", text):
            if m.group(1).upper() == "IF":  # prose: "all operations are `ADD COLUMN IF NOT EXISTS`"
                continue
            table = re.findall(r"ALTER TABLE (\w+)", text[: m.start()])[-1]
            found.setdefault(table, set()).add(m.group(1))
    return found


@pytest.mark.skipif(not SEEDS.exists(), reason=f"design documents not found at {SEEDS}")
def test_contracts_cover_every_seed_table_and_column() -> None:
    catalog = contracts().tables
    seeds = seed_columns()
    assert len(seeds) >= 35, f"the seed parser found only {len(seeds)} tables"
    missing = [f"{t}.{c}" for t, cols in seeds.items() for c in sorted(cols)
               if t not in catalog or c not in catalog[t].column_names]
    assert not missing, f"seed columns missing from sql/contracts: {missing}"


def test_every_version_exists_for_both_engine_families_with_a_down_file() -> None:
    pg, my = discover("postgresql"), discover("mysql")
    assert [m.version for m in pg] == [m.version for m in my]
    assert [m.domain for m in pg] == [m.domain for m in my]
    assert all(m.down_path for m in pg + my), "every migration needs its .down.sql"
    assert {m.domain for m in pg} == set(contracts().domains)


def test_tidb_only_statements_render_only_for_tidb() -> None:
    rendered = {name: "\n".join(s.sql for m in discover("mysql") for s in m.statements(name))
                for name in ("tidb", "mariadb")}
    assert "SET TIFLASH REPLICA" in rendered["tidb"]
    assert "SET TIFLASH REPLICA" not in rendered["mariadb"]
    assert "PARTITION BY RANGE" in rendered["tidb"]
    assert "PARTITION BY RANGE" not in rendered["mariadb"]
    assert "/*T![auto_rand] AUTO_RANDOM */" in rendered["mariadb"]  # a comment MariaDB ignores


def test_migrate_builds_the_contracts_and_reruns_as_a_noop(warehouse_url: str) -> None:
    engine = engine_for(warehouse_url)
    runner = MigrationRunner(engine)
    applied = runner.migrate(domain_parents=contracts().ancestors(), **quiet)
    assert len(applied) == len(runner.migrations)
    drifts = compare(list(contracts().tables.values()), engine.catalog_columns(), engine.family)
    assert not drifts, "\n".join(map(str, drifts))
    assert runner.migrate(**quiet) == []
    assert engine.scalar("SELECT COUNT(*) FROM metadata_standards WHERE id = 'ts-001-zulu'") == 1


def test_rollback_to_v1_0_0_and_forward_again(server_url: str) -> None:
    engine = engine_for(server_url)
    runner = MigrationRunner(engine)
    runner.migrate(**quiet)
    runner.down("0004", **quiet)
    live = set(engine.catalog_columns())
    assert {"projects", "profiles", "audit_logs", "cached_responses"} <= live
    assert not {"metadata_standards", "token_usage", "dashboard_versions", "ai_dialogue_log"} & live
    runner.migrate(**quiet)
    drifts = compare(list(contracts().tables.values()), engine.catalog_columns(), engine.family)
    assert not drifts, "\n".join(map(str, drifts))


def test_seed_parser_sees_the_rag_columns() -> None:
    if not SEEDS.exists():
        pytest.skip(f"design documents not found at {SEEDS}")
    assert {"citations", "user_feedback", "temperature"} <= seed_columns()["ai_dialogue_log"]


def test_repo_has_no_stray_sql_files() -> None:
    for family in ("postgresql", "mysql"):
        folder = Path(REPO_ROOT / "sql" / family)
        names = {p.name for p in folder.glob("*.sql")}
        ups = {n for n in names if n.endswith(".up.sql")}
        downs = {n for n in names if n.endswith(".down.sql")}
        assert names == ups | downs, f"unexpected files in {folder}: {names - ups - downs}"
