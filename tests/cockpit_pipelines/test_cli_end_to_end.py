"""End to end through the real CLI and the real code location, on PostgreSQL and MariaDB.

For each engine, a fresh database and a Dagster home of its own, and the commands of the acceptance
checks as subprocesses (`python -m cockpit_pipelines.cli`):

    cockpit migrate
    cockpit generate --start 2026-03-30 --days 4 --seed 11 --scale 0.05
    cockpit backfill --start 2026-03-30 --end 2026-04-02      (the whole range)
    cockpit backfill --start 2026-03-31 --end 2026-04-01      (part of the range again: idempotent)

then every derived table is compared with a recomputation from the raw tables: on PostgreSQL the
seeds' SQL written here from CONTRACTS.md (not the project's sql/analytics), on both engines the
project's sql/analytics definitions, and the two engines with each other (same seed, same rows).

Last (a bad day), rows that break the rules are injected into 2026-04-01, hand-made edge cases into
2026-04-03 (2026-04-04 stays empty), an active standard without violations and an inactive one are
added, and `cockpit backfill --start 2026-03-31 --end 2026-04-04` runs:
it exits 1 naming the check, the partition and the rule; the bad day's downstream assets are not
built; the days around it are, and equal the recomputation.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest
from conftest import DERIVED_KEYS, REPO_ROOT, VOLATILE, fresh_database

from cockpit_pipelines.cli.backfill import BACKFILL_TAG
from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.settings import SQL_DIR
from cockpit_pipelines.slo import load_slo_targets

pytestmark = pytest.mark.slow

START, END = date(2026, 3, 30), date(2026, 4, 2)
PART = (date(2026, 3, 31), date(2026, 4, 1))
BAD_DAY, EDGE_DAY, EMPTY_DAY = date(2026, 4, 1), date(2026, 4, 3), date(2026, 4, 4)
SEED, SCALE = 11, 0.05
DAY = timedelta(days=1)
UNKNOWN_PROJECT = "00000000-0000-4000-8000-000000000bad"
UNUSED_STANDARD, RETIRED_STANDARD = "xx-900-unused", "xx-901-retired"  # added before the bad backfill

KEYS = DERIVED_KEYS
DAY_COLUMN = {"rag_metrics_history": "date", "token_usage_daily": "usage_date", "compliance_scores": "score_date"}

# The seeds' SQL for PostgreSQL, from CONTRACTS.md, for the UTC days :first..:last (inclusive).
_DAYS = "CAST(:first AS date)", "CAST(:last AS date) + 1"
REFERENCE_SQL: dict[str, str] = {
    # seed 002 queries 1-3 per day, rounded half-up at the contract's precision; a day without rows too
    "rag_metrics_history": f"""
        WITH days AS (
            SELECT CAST(d AS date) AS date FROM generate_series({_DAYS[0]}, CAST(:last AS date), interval '1 day') d
        ), agg AS (
            SELECT CAST(created_at AS date) AS date, count(*) AS total_queries,
                   round(avg(CASE WHEN jsonb_typeof(citations) = 'array' AND jsonb_array_length(citations) > 0
                                  THEN 100.0 ELSE 0.0 END), 2) AS citation_rate,
                   sum(CASE WHEN jsonb_typeof(citations) = 'array' THEN jsonb_array_length(citations) ELSE 0 END)
                       AS citation_count,
                   round(avg(latency_ms), 2) AS avg_latency_ms,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99,
                   count(DISTINCT user_id) AS unique_users, sum(total_tokens) AS total_tokens,
                   sum(token_cost_jpy) AS total_cost, round(sum(token_cost_jpy) / count(*), 2) AS cost_per_answer,
                   round(avg(relevance_score), 2) AS avg_relevance_score,
                   round(100.0 * count(*) FILTER (WHERE user_feedback = 1)
                         / nullif(count(*) FILTER (WHERE user_feedback IN (-1, 1)), 0), 2) AS positive_feedback_rate
            FROM ai_dialogue_log WHERE created_at >= {_DAYS[0]} AND created_at < {_DAYS[1]}
            GROUP BY 1
        )
        SELECT days.date, coalesce(total_queries, 0) AS total_queries, citation_rate,
               coalesce(citation_count, 0) AS citation_count, avg_latency_ms,
               CAST(p50 AS numeric(10,2)) AS p50_latency_ms, CAST(p95 AS numeric(10,2)) AS p95_latency_ms,
               CAST(p99 AS numeric(10,2)) AS p99_latency_ms, coalesce(unique_users, 0) AS unique_users,
               coalesce(total_tokens, 0) AS total_tokens, coalesce(total_cost, 0) AS total_cost, cost_per_answer,
               avg_relevance_score, positive_feedback_rate
        FROM days LEFT JOIN agg USING (date)""",
    # seed 003 continuous aggregates (time_bucket = date_trunc in UTC)
    "usage_hourly": f"""
        SELECT date_trunc('hour', time) AS bucket, org_id, project_id, model, count(*) AS request_count,
               count(*) FILTER (WHERE status = 'success') AS success_count,
               count(*) FILTER (WHERE status = 'error') AS error_count,
               sum(input_tokens) AS total_input_tokens, sum(output_tokens) AS total_output_tokens,
               sum(cache_read_tokens) AS total_cache_read_tokens, sum(cost_cents) AS total_cost_cents,
               CAST(avg(latency_ms) AS double precision) AS avg_latency_ms,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50_latency_ms,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_latency_ms,
               percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99_latency_ms,
               count(DISTINCT user_id) AS unique_users
        FROM usage_events WHERE time >= {_DAYS[0]} AND time < {_DAYS[1]} GROUP BY 1, 2, 3, 4""",
    "usage_daily": f"""
        SELECT date_trunc('day', time) AS bucket, org_id, project_id, model, user_id, count(*) AS request_count,
               sum(input_tokens) AS total_input_tokens, sum(output_tokens) AS total_output_tokens,
               sum(cost_cents) AS total_cost_cents, CAST(avg(latency_ms) AS double precision) AS avg_latency_ms
        FROM usage_events WHERE time >= {_DAYS[0]} AND time < {_DAYS[1]} GROUP BY 1, 2, 3, 4, 5""",
    "usage_monthly": """
        SELECT CAST(date_trunc('month', time) AS date) AS bucket, org_id, project_id, model, count(*) AS request_count,
               sum(input_tokens) AS total_input_tokens, sum(output_tokens) AS total_output_tokens,
               sum(cost_cents) AS total_cost_cents, count(DISTINCT user_id) AS unique_users,
               count(DISTINCT CAST(time AS date)) AS active_days
        FROM usage_events
        WHERE time >= date_trunc('month', CAST(:first AS date))
          AND time < date_trunc('month', CAST(:last AS date)) + interval '1 month'
        GROUP BY 1, 2, 3, 4""",
    # seed 001 token usage trend per day, with the request count
    "token_usage_daily": f"""
        SELECT CAST("timestamp" AS date) AS usage_date, project_id, provider, count(*) AS request_count,
               sum(input_tokens) AS total_input, sum(output_tokens) AS total_output,
               CAST(sum(total_cost) AS numeric(14,4)) AS daily_cost
        FROM token_usage WHERE "timestamp" >= {_DAYS[0]} AND "timestamp" < {_DAYS[1]} GROUP BY 1, 2, 3""",
    # seed 004 continuous aggregate over the 5-minute rows
    "metrics_hourly": f"""
        SELECT date_trunc('hour', "timestamp") AS bucket, asset_id, metric_type, metric_name, tenant_id,
               count(*) AS count, avg(value_avg) AS avg_value, min(value_min) AS min_value,
               max(value_max) AS max_value,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY value_p95) AS p95_value,
               percentile_cont(0.99) WITHIN GROUP (ORDER BY value_p99) AS p99_value
        FROM metrics
        WHERE time_bucket = interval '5 minutes' AND "timestamp" >= {_DAYS[0]} AND "timestamp" < {_DAYS[1]}
        GROUP BY 1, 2, 3, 4, 5""",
    # seed 001 compliance query as of the end of each day D
    "compliance_scores": """
        WITH scored AS (
            SELECT CAST(d AS date) AS score_date, ms.id AS standard_id, ms.category, ms.standard_name,
                   ms.enforcement_level, count(mv.id) AS violation_count,
                   count(mv.id) FILTER (WHERE mv.status = 'open' OR (mv.status = 'resolved'
                                        AND mv.resolved_at >= d + interval '1 day')) AS open_violations
            FROM generate_series(CAST(:first AS timestamp), CAST(:last AS timestamp), interval '1 day') d
            CROSS JOIN metadata_standards ms
            LEFT JOIN metadata_violations mv ON mv.standard_id = ms.id AND mv.detected_at < d + interval '1 day'
            WHERE ms.is_active
            GROUP BY d, ms.id, ms.category, ms.standard_name, ms.enforcement_level
        )
        SELECT *, CASE WHEN violation_count = 0 THEN 100.00
                       ELSE round((1 - open_violations * 1.0 / violation_count) * 100, 2) END AS compliance_rate
        FROM scored""",
}


# --- the pipeline per engine ---------------------------------------------------------------------

ENGINES = ("postgres", "mariadb")


@dataclass
class Pipeline:
    """One engine's database and Dagster home, the commands run on them and what they left.

    `tables[moment]`: every derived table after the "full" and the "part" backfills, and after the "bad"
    one; `expected[source:moment]`: the recomputation at that moment ("seed" = REFERENCE_SQL, PostgreSQL
    only; "shipped" = sql/analytics), over START..END for "full", START..EMPTY_DAY for "final" (after
    the bad rows were removed again).
    """

    engine_name: str
    url: str
    home: Path
    runs: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    tables: dict[str, dict[str, pl.DataFrame]] = field(default_factory=dict)
    expected: dict[str, dict[str, pl.DataFrame]] = field(default_factory=dict)
    scan_found: dict[str, int] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return engine_for(self.url)

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"

    def cockpit(self, name: str, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "COCKPIT_WAREHOUSE_URL": self.url, "COCKPIT_HOME": str(self.home),
               "DAGSTER_HOME": str(self.dagster_home), "CI": "true"}
        done = self.runs[name] = subprocess.run([sys.executable, "-m", "cockpit_pipelines.cli", *args],
                                                cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
        return done

    def ok(self, name: str, *args: str) -> None:
        done = self.cockpit(name, *args)
        assert done.returncode == 0, f"cockpit {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"

    def recompute(self, moment: str, first: date, last: date) -> None:
        engine = self.engine
        self.expected[f"shipped:{moment}"] = {t: shipped_definition(engine, t, first, last) for t in KEYS}
        if engine.family == "postgresql":
            self.expected[f"seed:{moment}"] = {t: reference(engine, t, first, last) for t in KEYS}


def _prepare(engine_name: str, stack: contextlib.ExitStack, home: Path) -> Pipeline:
    """The acceptance commands, then the bad-day backfill, on a fresh database of the engine."""
    url = stack.enter_context(contextlib.contextmanager(fresh_database)(engine_name))
    pipeline = Pipeline(engine_name, url, home)
    engine = pipeline.engine
    pipeline.ok("migrate", "migrate")
    pipeline.ok("generate", "generate", "--start", str(START), "--days", "4", "--seed", str(SEED),
                "--scale", str(SCALE))
    pipeline.ok("full", "backfill", "--start", str(START), "--end", str(END))
    pipeline.tables["full"] = snapshot(engine)
    pipeline.recompute("full", START, END)
    pipeline.scan_found = dict(engine.query(
        "SELECT standard_id, count(*) FROM metadata_violations WHERE resource_type IN ('events', 'audit_logs') "
        "GROUP BY standard_id"))
    pipeline.ok("part", "backfill", "--start", str(PART[0]), "--end", str(PART[1]))
    pipeline.tables["part"] = snapshot(engine)
    pipeline.ok("again", "backfill", "--start", str(PART[0]), "--end", str(PART[1]), "--select", "usage_hourly")
    pipeline.ok("revalidated", "backfill", "--start", str(PART[0]), "--end", str(PART[1]), "--select",
                "usage_hourly", "--revalidate")

    injected = inject_bad_rows(engine)
    add_edge_day(engine)
    add_standards(engine)
    pipeline.cockpit("bad", "backfill", "--start", str(PART[0]), "--end", str(EMPTY_DAY))
    pipeline.tables["bad"] = snapshot(engine)
    for table, (column, value) in injected.items():
        engine.execute(f"DELETE FROM {table} WHERE {column} = :v", {"v": value})
    pipeline.recompute("final", START, EMPTY_DAY)
    return pipeline


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Pipeline]]:
    """`pipelines(engine)`: that engine's Pipeline. Both engines' pipelines are built at the first call, in
    parallel (their commands are subprocesses), once per module; an absent engine skips its tests."""
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(max_workers=len(ENGINES)) as pool:
        futures: dict[str, Future[Pipeline]] = {}

        def get(engine_name: str) -> Pipeline:
            if not futures:
                for name in ENGINES:
                    futures[name] = pool.submit(_prepare, name, stack.enter_context(contextlib.ExitStack()),
                                                tmp_path_factory.mktemp(name))
            return futures[engine_name].result()

        yield get


# --- reading and comparing -----------------------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, pl.DataFrame]:
    """Every derived table, without the columns that differ between builds, sorted by its key."""
    frames = {}
    for table, keys in KEYS.items():
        frame = engine.read_frame(f"SELECT * FROM {table}")
        frames[table] = frame.drop([c for c in VOLATILE if c in frame.columns]).sort(keys, nulls_last=True)
    return frames


def rows(frames: dict[str, pl.DataFrame], table: str, first: date, last: date) -> pl.DataFrame:
    """The rows of a snapshot's table for the days first..last (usage_monthly: the months they touch)."""
    return frames[table].filter(_in_days(table, first, last))


def _in_days(table: str, first: date, last: date) -> pl.Expr:
    column = pl.col(DAY_COLUMN.get(table, "bucket"))
    if table == "usage_monthly":
        return column.is_between(first.replace(day=1), last)
    day = column.dt.date() if table in ("usage_hourly", "usage_daily", "metrics_hourly") else column
    return day.is_between(first, last)


def reference(engine: Engine, table: str, first: date, last: date) -> pl.DataFrame:
    """The seeds' SQL (written above) for the days first..last, on PostgreSQL."""
    return engine.read_frame(REFERENCE_SQL[table], {"first": first, "last": last})


def shipped_definition(engine: Engine, table: str, first: date, last: date) -> pl.DataFrame:
    """The project's own sql/analytics/<engine>/<table>.sql for the days first..last."""
    start, end = datetime.combine(first, time(0)), datetime.combine(last + DAY, time(0))
    if table == "usage_monthly":
        start = start.replace(day=1)
        end = datetime.combine((last.replace(day=1) + timedelta(days=32)).replace(day=1), time(0))
    params: dict[str, Any] = {"start": start, "end": end, "source_bucket": timedelta(minutes=5)}
    params.update({f"target_{slo.metric}": slo.target for slo in load_slo_targets()})
    return engine.read_frame((SQL_DIR / "analytics" / engine.family / f"{table}.sql").read_text(), params)


def _same(value: Any, other: Any, floats: bool) -> bool:
    if floats and value is not None and other is not None:
        return math.isclose(value, other, rel_tol=1e-12, abs_tol=1e-9)
    if isinstance(value, Decimal) and isinstance(other, Decimal):
        return value == other  # 1.10 == 1.1: scales may differ, values may not
    return value == other


def assert_rows_equal(actual: pl.DataFrame, expected: pl.DataFrame, table: str, *, exact_floats: bool = False) -> None:
    """The same rows on the table's key and the same values in every column `expected` has: exact for
    integers, decimals, text and dates; doubles within 1e-12 (or exact)."""
    keys = KEYS[table]
    columns = [c for c in expected.columns if c not in keys]
    missing = set(expected.columns) - set(actual.columns)
    assert not missing, f"{table} lacks {missing}"
    got = {tuple(r[k] for k in keys): r for r in actual.to_dicts()}
    want = {tuple(r[k] for k in keys): r for r in expected.to_dicts()}
    extra, absent = sorted(got.keys() - want.keys(), key=str), sorted(want.keys() - got.keys(), key=str)
    assert not extra and not absent, f"{table}: {len(extra)} rows not expected (e.g. {extra[:2]}), " \
                                     f"{len(absent)} missing (e.g. {absent[:2]})"
    floats = {c for c in columns if expected.schema[c] == pl.Float64 and not exact_floats}
    wrong = [(key, c, got[key][c], want[key][c]) for key in want for c in columns
             if not _same(got[key][c], want[key][c], c in floats)]
    assert not wrong, f"{table}: {len(wrong)} values differ, e.g. {wrong[:5]}"


def assert_slo_compliance(frame: pl.DataFrame) -> None:
    """slo_compliance holds, per configured SLO, its target, the day's actual value and whether it is met."""
    for row in frame.to_dicts():
        slos = json.loads(row["slo_compliance"], parse_float=Decimal)
        for slo in load_slo_targets():
            entry = slos[slo.metric]
            actual = row[slo.metric]
            assert Decimal(str(entry["target"])) == slo.target, (row["date"], slo.metric, entry)
            assert (None if entry["actual"] is None else Decimal(str(entry["actual"]))) == actual, (row["date"], entry)
            met = None if actual is None else {">=": actual >= slo.target, ">": actual > slo.target,
                                               "<=": actual <= slo.target, "<": actual < slo.target}[slo.op]
            assert entry["met"] is met, (row["date"], slo.metric, entry)


# --- the acceptance commands ---------------------------------------------------------------------


@pytest.mark.parametrize("engine_name", ENGINES)
def test_the_commands_succeed_and_summarize_their_checks(pipelines: Callable[[str], Pipeline],
                                                         engine_name: str) -> None:
    pipeline = pipelines(engine_name)
    assert "applied" in pipeline.runs["migrate"].stdout
    assert "raw rows:" in pipeline.runs["generate"].stdout
    for name in ("full", "part"):
        out = pipeline.runs[name].stdout
        assert "succeeded" in out and "FAILED" not in out, out
        checks = [line for line in out.splitlines() if line.strip().startswith("checks:")]
        assert len(checks) == 1, out
        passed, total = checks[0].split()[1].split("/")
        # Only warnings may fail on generated data (clock drift beyond its target is generated on purpose).
        failed = [line.strip() for line in out.splitlines() if " check failed: " in line]
        assert int(total) >= 18 and int(total) - int(passed) == len(failed), checks
        assert all(line.startswith("WARN check failed: ") for line in failed), failed
        # Each asset's line gives its rows and its step's time, as the UI shows the step.
        assert all(re.search(rf"materialized {table} +[0-9,]+ rows in [0-9.]+s$", out, re.MULTILINE)
                   for table in KEYS), out
        # The progress lines follow the run's materializations as the instance stores them.
        shown = re.findall(r"^backfill [0-9.-]+: \d+/\d+ (\S+) \(", pipeline.runs[name].stderr, re.MULTILINE)
        assert set(KEYS) <= set(shown) and len(shown) == len(set(shown)), pipeline.runs[name].stderr
    # The metadata compliance scan found the generator's non-Zulu text instants and non-ISO dates in the
    # JSON payloads: compliance_scores reflects the platform's own data.
    scanned = re.search(r"materialized metadata_compliance_scan +([0-9,]+) rows", pipeline.runs["full"].stdout)
    assert scanned and int(scanned.group(1).replace(",", "")) > 0, pipeline.runs["full"].stdout
    found = pipeline.scan_found
    assert found.get("ts-001-zulu", 0) > 0 and found.get("ts-002-iso-date", 0) > 0, found
    assert re.search(r"materialized metadata_compliance_scan +0 rows", pipeline.runs["part"].stdout), \
        "a second scan of the same days records nothing new"


@pytest.mark.parametrize("engine_name", ENGINES)
def test_raw_suites_validated_before_over_unchanged_rows_are_taken(
        pipelines: Callable[[str], Pipeline], engine_name: str) -> None:
    """The same days again: the raw suite's passing validation of the "part" backfill is kept (the
    window's rows have the same fingerprint) on every engine; with --revalidate it is validated again."""
    pipeline = pipelines(engine_name)
    out = pipeline.runs["again"].stdout
    assert "succeeded" in out, out
    kept = [line for line in out.splitlines() if "kept validations taken" in line]
    assert len(kept) == 1 and "raw/usage_events (validated " in kept[0], out
    revalidated = pipeline.runs["revalidated"].stdout
    assert "succeeded" in revalidated and "kept validations taken" not in revalidated, revalidated


@pytest.mark.parametrize("table", sorted(KEYS))
def test_postgres_tables_equal_the_seed_sql_written_from_the_contract(pipelines: Callable[[str], Pipeline],
                                                                       table: str) -> None:
    pipeline = pipelines("postgres")
    expected = pipeline.expected["seed:full"][table]
    assert expected.height > 0
    assert_rows_equal(pipeline.tables["full"][table], expected, table)
    assert_rows_equal(pipeline.tables["part"][table], expected, table)


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("table", sorted(KEYS))
def test_tables_equal_the_projects_sql_definitions(pipelines: Callable[[str], Pipeline], engine_name: str,
                                                   table: str) -> None:
    pipeline = pipelines(engine_name)
    expected = pipeline.expected["shipped:full"][table].drop("slo_compliance", strict=False)
    assert_rows_equal(pipeline.tables["full"][table], expected, table)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_slo_compliance_reports_each_target(pipelines: Callable[[str], Pipeline], engine_name: str) -> None:
    assert_slo_compliance(pipelines(engine_name).tables["full"]["rag_metrics_history"])


@pytest.mark.parametrize("engine_name", ENGINES)
def test_rerunning_part_of_the_range_leaves_exactly_the_same_rows(pipelines: Callable[[str], Pipeline],
                                                                  engine_name: str) -> None:
    pipeline = pipelines(engine_name)
    for table, frame in pipeline.tables["full"].items():
        assert frame.height > 0, table
        assert pipeline.tables["part"][table].equals(frame), f"{table} changed when part of the range was rebuilt"


def test_mariadb_builds_exactly_the_rows_postgres_builds(pipelines: Callable[[str], Pipeline]) -> None:
    """Same seed, same raw rows: identical derived rows on both engines, floats and percentiles included."""
    postgres, mariadb = pipelines("postgres").tables["full"], pipelines("mariadb").tables["full"]
    for table in KEYS:
        assert mariadb[table].schema == postgres[table].schema, table
        assert_rows_equal(mariadb[table].drop("slo_compliance", strict=False),
                          postgres[table].drop("slo_compliance", strict=False), table, exact_floats=True)
    mine, theirs = (frames["rag_metrics_history"]["slo_compliance"] for frames in (mariadb, postgres))
    assert [json.loads(v, parse_float=Decimal) for v in mine] == [json.loads(v, parse_float=Decimal) for v in theirs]


# --- cases the project does not ship, and a bad day ---------------------------------------------


def _insert(engine: Engine, table: str, frame: pl.DataFrame) -> None:
    """Rows read back from the warehouse, inserted again (intervals as ISO 8601 text, as the generator
    writes them as text: the PostgreSQL adapter's CSV COPY takes no Duration column)."""
    frame = frame.with_columns(pl.col(pl.Duration).dt.to_string("iso"))
    with engine.transaction() as conn:
        engine.insert_frame(conn, table, frame)


def _new_ids(n: int) -> pl.Series:
    return pl.Series([str(uuid.uuid4()) for _ in range(n)], dtype=pl.String)


def _rows_of(engine: Engine, table: str, column: str, day: date, n: int, where: str = "") -> pl.DataFrame:
    """`n` rows of `table` from `day` (templates that satisfy every foreign key)."""
    col = f'"{column}"' if engine.family == "postgresql" else f"`{column}`"
    rows = engine.read_frame(
        f"SELECT * FROM {table} WHERE {col} >= :start AND {col} < :end {where} ORDER BY {col} LIMIT {n}",
        {"start": datetime.combine(day, time(0)), "end": datetime.combine(day + DAY, time(0))},
    )
    assert rows.height == n, (table, day, rows.height)
    return rows


def inject_bad_rows(engine: Engine) -> dict[str, tuple[str, str]]:
    """One row per rule into BAD_DAY: relevance_score 1.7, negative input_tokens, an unknown project;
    returns table -> (id column, id)."""
    noon = pl.lit(datetime.combine(BAD_DAY, time(12)))
    bad = {
        "ai_dialogue_log": _rows_of(engine, "ai_dialogue_log", "created_at", BAD_DAY, 1).with_columns(
            id=_new_ids(1), relevance_score=pl.lit(Decimal("1.70"), pl.Decimal(3, 2)),
            created_at=noon, updated_at=noon),
        "usage_events": _rows_of(engine, "usage_events", "time", BAD_DAY, 1).with_columns(
            request_id=_new_ids(1), input_tokens=pl.lit(-5, pl.Int32), time=noon),
        "token_usage": _rows_of(engine, "token_usage", "timestamp", BAD_DAY, 1).with_columns(
            id=_new_ids(1), project_id=pl.lit(UNKNOWN_PROJECT), timestamp=noon),
    }
    for table, frame in bad.items():
        _insert(engine, table, frame)
    return {"ai_dialogue_log": ("id", bad["ai_dialogue_log"]["id"][0]),
            "usage_events": ("request_id", bad["usage_events"]["request_id"][0]),
            "token_usage": ("id", bad["token_usage"]["id"][0])}


def add_edge_day(engine: Engine) -> None:
    """EDGE_DAY: hand-made rows for the contract's edge semantics (each one passes the raw checks)."""
    at = [datetime.combine(EDGE_DAY, time(0)) + timedelta(hours=h) for h in (0, 1, 1, 2, 5, 9, 12, 18, 23, 23)]
    at[-1] = datetime.combine(EDGE_DAY, time(23, 59, 59, 999_999))  # the last instant of the day
    # ai_dialogue_log: citations that are not non-empty arrays count 0; ties round half up:
    # avg latency 9/8 = 1.125 → 1.13, cost 1.25/10 = 0.125 → 0.13, relevance 1.00/8 → 0.13; feedback 0 is
    # not rated: 2 positive of 4 rated → 50.00.
    dialogue = _rows_of(engine, "ai_dialogue_log", "created_at", START, 10).with_columns(
        id=_new_ids(10),
        created_at=pl.Series(at), updated_at=pl.Series(at),
        citations=pl.Series(['[{"source": "kb"}]', "[]", None, "null", '{"source": "kb"}', "[]", "[]", "[]",
                             "[1, 2, 3]", '""'], dtype=pl.String),
        latency_ms=pl.Series([1, 1, 1, 1, None, 1, 1, 1, 2, None], dtype=pl.Int32),
        token_cost_jpy=pl.Series([Decimal("0.10")] * 5 + [Decimal("0.15")] * 5, dtype=pl.Decimal(8, 2)),
        relevance_score=pl.Series([Decimal("0.10")] * 6 + [Decimal("0.20")] * 2 + [None] * 2, dtype=pl.Decimal(3, 2)),
        user_feedback=pl.Series([1, -1, 0, 0, None, 1, 0, None, -1, 0], dtype=pl.Int32),
    )
    _insert(engine, "ai_dialogue_log", dialogue)
    # usage_events: one (org, project, model) in one hour with no latency at all; requests without a user
    # (their own usage_daily group); statuses that are neither success nor error.
    usage = _rows_of(engine, "usage_events", "time", START, 6, "AND user_id IS NOT NULL").with_columns(
        request_id=_new_ids(6),
        time=pl.Series([datetime.combine(EDGE_DAY, time(3, m)) for m in (0, 10, 20, 30, 40, 50)]),
        latency_ms=pl.lit(None, pl.Int32),
        status=pl.Series(["success", "timeout", "rate_limited", "error", "success", "success"]),
        time_to_first_token_ms=pl.lit(None, pl.Int32),
    )
    first = usage.row(0, named=True)
    usage = usage.with_columns(org_id=pl.lit(first["org_id"]), project_id=pl.lit(first["project_id"]),
                               model=pl.lit(first["model"]), api_key_id=pl.lit(first["api_key_id"], pl.String),
                               mcp_server_id=pl.lit(None, pl.String), mcp_tool_name=pl.lit(None, pl.String),
                               event_type=pl.lit("api_call"),
                               user_id=pl.Series([None, None, first["user_id"], first["user_id"], None, None],
                                                 dtype=pl.String))
    late = _rows_of(engine, "usage_events", "time", START, 2).with_columns(
        request_id=_new_ids(2), time=pl.Series([datetime.combine(EDGE_DAY, time(0)), at[-1]]),
        model=pl.lit("edge-model"))
    _insert(engine, "usage_events", pl.concat([usage, late], how="vertical_relaxed"))
    # token_usage: costs at the fourth decimal
    tokens = _rows_of(engine, "token_usage", "timestamp", START, 3).with_columns(
        id=_new_ids(3), timestamp=pl.Series(at[:3]),
        total_cost=pl.Series([Decimal("0.0001"), Decimal("0.0005"), Decimal("1.2345")], dtype=pl.Decimal(10, 4)))
    _insert(engine, "token_usage", tokens)
    # metrics: an hour of 5-minute rows, some without p95, plus 1-minute and 1-hour rows to be ignored
    metrics = _rows_of(engine, "metrics", "timestamp", START, 200)
    shifted = metrics.with_columns(
        id=_new_ids(metrics.height),
        timestamp=pl.col("timestamp") + (EDGE_DAY - START), created_at=pl.col("created_at") + (EDGE_DAY - START),
        value_p95=pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("value_p95")),
    )
    _insert(engine, "metrics", shifted)
    # metadata_violations: resolved exactly at the end of the day (still open on it), resolved within the
    # day, suppressed (never open), open
    violations = _rows_of(engine, "metadata_violations", "detected_at", START, 4).with_columns(
        id=_new_ids(4), resource_id=_new_ids(4),
        detected_at=pl.Series(at[:4]),
        status=pl.Series(["resolved", "resolved", "suppressed", "open"]),
        resolved_at=pl.Series([datetime.combine(EMPTY_DAY, time(0)), datetime.combine(EDGE_DAY, time(22)),
                               None, None]),
        auto_fix_applied=pl.lit(False), auto_fix_applied_at=pl.lit(None, pl.Datetime("us")),
        auto_fix_details=pl.lit(None, pl.String),
    )
    _insert(engine, "metadata_violations", violations)


def add_standards(engine: Engine) -> None:
    """An active standard no scan rule applies (no violations: 100.00) and an inactive one (no rows)."""
    now = datetime(2026, 3, 1)
    for standard, active in ((UNUSED_STANDARD, "TRUE"), (RETIRED_STANDARD, "FALSE")):
        engine.execute(
            "INSERT INTO metadata_standards (id, standard_name, category, pattern_regex, validation_message, "
            f"enforcement_level, is_active, created_at, updated_at) VALUES (:id, :name, 'nomenclature', '^x$', "
            f"'x', 'info', {active}, :now, :now)", {"id": standard, "name": f"Edge {standard}", "now": now})


def _backfill_runs(pipeline: Pipeline) -> list[dg.DagsterRun]:
    """The runs of the newest `cockpit backfill`, oldest first."""
    with dg.DagsterInstance.from_config(str(pipeline.dagster_home)) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"cockpit/kind": "backfill"}))
    newest = runs[0].tags[BACKFILL_TAG]
    return sorted((r for r in runs if r.tags.get(BACKFILL_TAG) == newest), key=lambda r: _window(r)[0])


def _window(run: dg.DagsterRun) -> tuple[str, str]:
    """The run's first and last partition."""
    if "dagster/partition" in run.tags:
        return run.tags["dagster/partition"], run.tags["dagster/partition"]
    return run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"]


def _partitions_materialized(pipeline: Pipeline, runs: Sequence[dg.DagsterRun]) -> dict[str, set[str]]:
    """asset -> the partitions the runs materialized."""
    found: dict[str, set[str]] = {}
    with dg.DagsterInstance.from_config(str(pipeline.dagster_home)) as instance:
        for run in runs:
            records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
            for record in records.records:
                event = record.event_log_entry.dagster_event
                found.setdefault(event.asset_key.to_user_string(), set()).add(event.partition)
    return found


def _check_evaluations(pipeline: Pipeline, runs: Sequence[dg.DagsterRun]) -> list[Any]:
    with dg.DagsterInstance.from_config(str(pipeline.dagster_home)) as instance:
        return [record.event_log_entry.dagster_event.asset_check_evaluation_data for run in runs
                for record in instance.get_records_for_run(
                    run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records]


RULES = {
    "ai_dialogue_log": ("expect_column_values_to_be_between(relevance_score, 0, 1)", 1.7),
    "usage_events": ("expect_column_values_to_be_between(input_tokens, 0, None)", -5),
    "token_usage": ("expect_query_to_return_no_rows(project_id in projects.id)", {"project_id": UNKNOWN_PROJECT}),
}
DOWNSTREAM = {"rag_metrics_history", "usage_hourly", "usage_daily", "usage_monthly", "token_usage_daily"}


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_bad_day_makes_the_backfill_exit_1_naming_the_check_the_partition_and_the_rule(
        pipelines: Callable[[str], Pipeline], engine_name: str) -> None:
    done = pipelines(engine_name).runs["bad"]
    out, err = done.stdout, done.stderr
    assert done.returncode == 1, out + err
    for table, (rule, _) in RULES.items():
        assert f"error: blocking check raw/{table}:expectation_suite failed for partition {BAD_DAY}: {rule}" in err, err
        assert f"BLOCKING check failed: raw/{table}:expectation_suite for partition {BAD_DAY}" in out, out
    assert f"{BAD_DAY} runs alone" in out, out
    assert "Traceback" not in out + err and "DagsterAssetCheckFailedError" not in out + err
    checks = [line for line in out.splitlines() if line.strip().startswith("checks:")]
    assert len(checks) == 1, "one compact line of check counts for the whole backfill"


@pytest.mark.parametrize("engine_name", ENGINES)
def test_the_bad_day_runs_alone_and_its_blocking_checks_carry_the_rule_and_the_failing_values(
        pipelines: Callable[[str], Pipeline], engine_name: str) -> None:
    pipeline = pipelines(engine_name)
    runs = _backfill_runs(pipeline)
    windows = [(PART[0], PART[0]), (BAD_DAY, BAD_DAY), (BAD_DAY + DAY, EMPTY_DAY)]
    assert [_window(r) for r in runs] == [(str(a), str(b)) for a, b in windows]
    assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
                                        dg.DagsterRunStatus.SUCCESS]
    failed = {e.asset_check_key.asset_key.path[-1]: e for e in _check_evaluations(pipeline, runs[1:2])
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR}
    assert failed.keys() == RULES.keys()
    for table, (rule, value) in RULES.items():
        check = failed[table]
        assert check.severity == dg.AssetCheckSeverity.ERROR and check.blocking
        assert rule in check.metadata["failing_rules"].value
        assert value in check.metadata["sample_failing_values"].value[rule]
        assert check.metadata["window"].value == f"[{BAD_DAY} 00:00:00, {BAD_DAY + DAY} 00:00:00)"
    assert all(e.passed for e in _check_evaluations(pipeline, [runs[0], runs[2]]))


@pytest.mark.parametrize("engine_name", ENGINES)
def test_downstream_assets_skip_the_bad_day_only(pipelines: Callable[[str], Pipeline], engine_name: str) -> None:
    pipeline = pipelines(engine_name)
    built = _partitions_materialized(pipeline, _backfill_runs(pipeline))
    days = {str(PART[0] + DAY * i) for i in range((EMPTY_DAY - PART[0]).days + 1)}
    for asset in KEYS:
        expected = days - {str(BAD_DAY)} if asset in DOWNSTREAM else days
        assert built[asset] == expected, (asset, sorted(built[asset]))
    for table in DOWNSTREAM - {"usage_monthly"}:
        kept = rows(pipeline.tables["full"], table, BAD_DAY, BAD_DAY)
        assert kept.height > 0 and rows(pipeline.tables["bad"], table, BAD_DAY, BAD_DAY).equals(kept), \
            f"{table} for {BAD_DAY} was rebuilt from bad rows"


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("table", sorted(KEYS))
def test_the_days_around_the_bad_day_edge_cases_and_empty_days_equal_the_recomputation(
        pipelines: Callable[[str], Pipeline], engine_name: str, table: str) -> None:
    """After the bad backfill and without its bad rows: every day START..EMPTY_DAY equals the SQL."""
    pipeline = pipelines(engine_name)
    # compliance_scores of START, not rebuilt since, predate the standards add_standards adds
    first = PART[0] if table == "compliance_scores" else START
    actual = rows(pipeline.tables["bad"], table, first, EMPTY_DAY)
    shipped = pipeline.expected["shipped:final"][table].drop("slo_compliance", strict=False)
    assert_rows_equal(actual, shipped.filter(_in_days(table, first, EMPTY_DAY)), table)
    if "seed:final" in pipeline.expected:
        assert_rows_equal(actual, pipeline.expected["seed:final"][table].filter(_in_days(table, first, EMPTY_DAY)),
                          table)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_the_edge_and_empty_days_by_hand(pipelines: Callable[[str], Pipeline], engine_name: str) -> None:
    """The contract's edge semantics, values worked out by hand (see add_edge_day)."""
    tables = pipelines(engine_name).tables["bad"]
    assert_slo_compliance(tables["rag_metrics_history"])
    edge, empty = rows(tables, "rag_metrics_history", EDGE_DAY, EMPTY_DAY).to_dicts()
    assert (edge["total_queries"], edge["citation_rate"], edge["citation_count"]) == (10, Decimal("20.00"), 4)
    assert (edge["avg_latency_ms"], edge["p50_latency_ms"], edge["p95_latency_ms"]) == \
        (Decimal("1.13"), Decimal("1.00"), Decimal("1.65"))
    assert (edge["cost_per_answer"], edge["avg_relevance_score"], edge["positive_feedback_rate"]) == \
        (Decimal("0.13"), Decimal("0.13"), Decimal("50.00"))
    assert (empty["total_queries"], empty["unique_users"]) == (0, 0)
    assert all(empty[c] is None for c in ("citation_rate", "avg_latency_ms", "p95_latency_ms", "cost_per_answer",
                                          "avg_relevance_score", "positive_feedback_rate"))
    hour = rows(tables, "usage_hourly", EDGE_DAY, EDGE_DAY).filter(pl.col("bucket").dt.hour() == 3).to_dicts()
    assert [(h["request_count"], h["success_count"], h["error_count"], h["unique_users"]) for h in hour] == \
        [(6, 3, 1, 1)]
    assert all(hour[0][c] is None for c in ("avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms"))
    daily = rows(tables, "usage_daily", EDGE_DAY, EDGE_DAY).filter(pl.col("model") == hour[0]["model"],
                                                                     pl.col("project_id") == hour[0]["project_id"])
    assert sorted(daily["request_count"].to_list()) == [2, 4] and daily["user_id"].null_count() == 1
    scores = {r["standard_id"]: r for r in rows(tables, "compliance_scores", EMPTY_DAY, EMPTY_DAY).to_dicts()}
    assert RETIRED_STANDARD not in scores
    unused = scores[UNUSED_STANDARD]
    assert (unused["violation_count"], unused["open_violations"], unused["compliance_rate"]) == \
        (0, 0, Decimal("100.00"))
