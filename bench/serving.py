"""`cockpit bench --serving`: the dashboard queries (sql/dashboards/) timed against their seeds' targets.

On a generated stretch of days (every raw table) and its backfill of every daily asset, in a scratch
database: each query run `executions` times on one connection with bound parameters drawn from the
data (projects, organizations, assets and metrics that exist; `as_of` at a recent hour or an old one),
p50/p95/p99 idle and again while a backfill of the same days runs in another process; `token_usage`
single-row inserts the same two ways. Each query's plan (`EXPLAIN`) is written beside the figures and
read for the findings the seeds rule out: a sequential scan of a raw table, or every partition of a
partitioned one scanned.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.dashboards import DashboardQuery, dashboards
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.engines.sqltext import to_pyformat
from cockpit_pipelines.progress import Progress
from cockpit_pipelines.settings import WAREHOUSE_URL_ENV

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
INSERT_TARGET_MS = 50.0  # seed 000: token_usage write latency p99 < 50 ms
PERCENTILES = (50, 95, 99)


def percentile(values: list[float], p: int) -> float:
    """The p-th percentile (linear interpolation) of the values."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(ms: list[float]) -> dict[str, Any]:
    return {"n": len(ms), **{f"p{p}": percentile(ms, p) for p in PERCENTILES}, "load_average": os.getloadavg()[0]}


class Draws:
    """Parameters drawn from the data: the values that exist, and `as_of` hours recent or old."""

    def __init__(self, engine: Engine, first: date, last: date, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.first, self.last = first, last
        cast = "CAST({} AS text)" if engine.family == "postgresql" else "{}"

        def values(sql: str) -> list[Any]:
            return [row[0] if len(row) == 1 else tuple(row) for row in engine.query(sql)]

        self.values = {
            "project_id": values(f"SELECT DISTINCT {cast.format('project_id')} FROM token_usage_daily"),
            "org_id": values(f"SELECT DISTINCT {cast.format('org_id')} FROM usage_monthly"),
            "asset_id": values("SELECT asset_id FROM asset_metadata"),
            "metric": values("SELECT DISTINCT asset_id, metric_name FROM metrics_hourly"),
        }

    def as_of(self) -> datetime:
        """An hour of the last 2 days (recent) half the time, else of any day (old)."""
        recent = self.rng.random() < 0.5
        start = self.last - timedelta(days=1) if recent else self.first + timedelta(days=7)
        days = (self.last - start).days + 1
        day = start + timedelta(days=self.rng.randrange(max(days, 1)))
        return datetime.combine(day, datetime.min.time()) + timedelta(hours=self.rng.randrange(24))

    def params(self, query: DashboardQuery, limit_us: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        metric = self.rng.choice(self.values["metric"]) if self.values["metric"] else (None, None)
        for name in query.params:
            if name == "as_of":
                out[name] = self.as_of()
            elif name == "limit_us":
                out[name] = limit_us
            elif name == "metric_name":
                out[name] = metric[1]
            elif name == "asset_id" and "metric_name" in query.params:
                out[name] = metric[0]
            else:
                out[name] = self.rng.choice(self.values[name])
        return out


def time_queries(engine: Engine, queries: list[DashboardQuery], draws: Draws, executions: int, limit_us: int,
                 keep_going: Callable[[], bool] = lambda: True) -> dict[str, Any]:
    """Each query `executions` times on one connection (autocommit, bound parameters, all rows fetched)."""
    out: dict[str, Any] = {}
    conn = engine.connect()
    try:
        _autocommit(conn, engine)
        for query in queries:
            sql = query.sql
            ms: list[float] = []
            rows = 0
            for i in range(executions):
                if i % 20 == 0 and not keep_going():
                    break
                params = draws.params(query, limit_us)
                cur = conn.cursor()
                started = time.perf_counter()
                cur.execute(to_pyformat(sql, params), params)
                rows += len(cur.fetchall())
                ms.append((time.perf_counter() - started) * 1000)
                cur.close()
            if ms:
                out[query.name] = {**summary(ms), "rows_per_execution": rows / len(ms)}
    finally:
        conn.close()
    return out


def time_inserts(engine: Engine, executions: int, keep_going: Callable[[], bool] = lambda: True) -> dict[str, Any]:
    """Single-row token_usage inserts, each committed (autocommit), as the cortex writes them."""
    conn = engine.connect()
    ms: list[float] = []
    try:
        _autocommit(conn, engine)
        sql = ("INSERT INTO token_usage (id, project_id, provider, model, input_tokens, output_tokens, total_cost, "
               "operation_type, timestamp) VALUES (%(id)s, %(project_id)s, 'claude', 'claude-sonnet-4-5-20250929', "
               "%(input)s, %(output)s, %(cost)s, 'chat', %(at)s)")
        for i in range(executions):
            if i % 20 == 0 and not keep_going():
                break
            params = {"id": str(uuid.uuid4()), "project_id": str(uuid.uuid4()), "input": 1200, "output": 300,
                      "cost": 0.0081, "at": datetime.utcnow()}
            cur = conn.cursor()
            started = time.perf_counter()
            cur.execute(sql, params)
            ms.append((time.perf_counter() - started) * 1000)
            cur.close()
    finally:
        conn.close()
    return summary(ms) if ms else {}


def _autocommit(conn: Any, engine: Engine) -> None:
    if engine.family == "postgresql":
        conn.autocommit = True
    else:
        conn.autocommit(True)


PARTITIONED = {t.name for t in contracts().tables.values() if getattr(t, "partitioned", None)}
RAW = {t.name for t in contracts().tables.values() if t.kind != "derived"}


def explain(engine: Engine, query: DashboardQuery, params: dict[str, Any]) -> tuple[str, list[str]]:
    """The query's plan (EXPLAIN with the parameters bound as literals) and its findings."""
    from cockpit_pipelines.engines.sqltext import render_literals

    sql = render_literals(query.sql, params, engine.family)
    if engine.family == "postgresql":
        plan = "\n".join(r[0] for r in engine.query(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
        partitions = {table: engine.scalar("SELECT COUNT(*) FROM pg_inherits WHERE inhparent = CAST(:t AS regclass)",
                                           {"t": table}) for table in sorted(PARTITIONED)}
        findings = plan_findings(plan, partitions)
    else:
        rows = engine.query(f"EXPLAIN {sql}")
        plan = "\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows)
        findings = [f"full scan of raw table {row[2]}" for row in rows
                    if row[3] == "ALL" and row[2] in RAW and (row[8] or 0) > 1000]
    return plan, findings


def plan_findings(plan: str, partitions: dict[str, int]) -> list[str]:
    """The findings of a PostgreSQL `EXPLAIN (ANALYZE)` text: a raw table read by a sequential scan, or every
    partition of a partitioned one (`partitions`: table -> its partition count) scanned.

    Only executed nodes count: a node marked never executed read nothing, and a sequential scan of a
    default partition that read no row (none returned, none removed by a filter) is the empty catch-all
    the planner cannot prune, not a scan of the table's rows."""
    seq_scanned: set[str] = set()
    scanned: set[str] = set()
    for node in _plan_nodes(plan):
        head = node[0]
        if "(never executed)" in head:
            continue
        relation = re.search(r" on (\w+)", head)
        if not relation:
            continue
        name = relation.group(1)
        scanned.add(name)
        if "Seq Scan on " in head and not (name.endswith("_default") and _rows_read(node) == 0):
            seq_scanned.add(_parent(name))
    findings = [f"sequential scan of raw table {t}" for t in sorted(seq_scanned & RAW)]
    for table, total in sorted(partitions.items()):
        hit = {name for name in scanned if _parent(name) == table and name != table}
        if total and len(hit) >= total > 2:
            findings.append(f"every partition of {table} scanned ({len(hit)} of {total}): no pruning")
    return findings


def _plan_nodes(plan: str) -> list[list[str]]:
    """The plan's nodes, each its line (the one with its cost) and the detail lines under it."""
    nodes: list[list[str]] = []
    for line in plan.splitlines():
        if "(cost=" in line or not nodes:
            nodes.append([line])
        else:
            nodes[-1].append(line)
    return nodes


def _rows_read(node: list[str]) -> int:
    """Rows a scan node read over all its loops: those it returned and those its filter removed (both shown
    per loop)."""
    actual = re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)", node[0])
    if not actual:
        return -1
    removed = sum(int(n) for line in node[1:] for n in re.findall(r"Rows Removed by Filter: (\d+)", line))
    return (int(actual.group(1)) + removed) * int(actual.group(2))


def _parent(name: str) -> str:
    return re.sub(r"_(\d{4}_\d{2}|default|p\d+)$", "", name)


def start_backfill(url: str, first: date, last: date) -> subprocess.Popen:
    """The backfill of every daily asset over the days, in a fresh process (bench.worker), in the background."""
    env = {**os.environ, WAREHOUSE_URL_ENV: url, "COCKPIT_PARTITION_START": first.isoformat(),
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)}
    return subprocess.Popen([sys.executable, "-m", "bench.worker", "backfill", first.isoformat(), last.isoformat()],
                            env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def serving_scenario(engine: Engine, first: date, last: date, executions: int, results: Path,
                     progress: Progress) -> dict[str, Any]:
    """Every dashboard query and token_usage inserts, idle and during a backfill; plans under `results`."""
    from cockpit_pipelines.assets.reports import drift_limit_us

    limit_us = drift_limit_us()
    queries = dashboards(engine.family)
    draws = Draws(engine, first, last)
    out: dict[str, Any] = {"plans": {}, "findings": {}}
    results.mkdir(parents=True, exist_ok=True)
    for query in queries:
        plan, findings = explain(engine, query, draws.params(query, limit_us))
        path = results / f"{engine.name}_{query.name}.plan.txt"
        path.write_text(plan + "\n")
        out["plans"][query.name] = str(path)
        if findings:
            out["findings"][query.name] = findings
    progress.advance(label=f"{engine.name}: plans")
    out["idle"] = time_queries(engine, queries, draws, executions, limit_us)
    out["insert_idle"] = time_inserts(engine, executions)
    progress.advance(label=f"{engine.name}: idle")
    url = engine.url.render_as_string(hide_password=False)
    backfill = start_backfill(url, first, last)
    try:
        time.sleep(5)  # past its imports: into the reads and writes
        running = lambda: backfill.poll() is None  # noqa: E731
        out["busy"] = time_queries(engine, queries, draws, executions, limit_us, keep_going=running)
        out["insert_busy"] = time_inserts(engine, executions, keep_going=running)
        out["backfill_still_running_at_end"] = running()
    finally:
        if backfill.poll() is None:
            os.killpg(backfill.pid, 15)
        backfill.wait()
    progress.advance(label=f"{engine.name}: during a backfill")
    out["targets"] = {q.name: [{"target": str(t), "percentile": t.percentile, "ms": t.ms} for t in q.targets]
                      for q in queries}
    out["kind"] = {q.name: q.kind for q in queries}
    return out


def report_lines(engine: str, figures: dict[str, Any]) -> list[str]:
    """One line per query and state (idle, during a backfill): p50/p95/p99 (ms), load average, targets met."""
    lines = [f"{engine}: dashboard queries, ms (p50 / p95 / p99), load average at the end of each series"]
    for state in ("idle", "busy"):
        label = "idle" if state == "idle" else "during a backfill"
        for name, fig in figures[state].items():
            verdicts = []
            for t in figures["targets"][name]:
                value = fig[f"p{t['percentile']}"]
                verdicts.append(f"{t['target'].split(' (')[0]}: {'met' if value < t['ms'] else 'NOT met'}")
            lines.append(f"  {name:<26} {label:<18} {fig['p50']:7.2f} / {fig['p95']:7.2f} / {fig['p99']:7.2f}"
                         f"  n={fig['n']:<4} load {fig['load_average']:.1f}  {'; '.join(verdicts)}")
    for state, label in (("insert_idle", "idle"), ("insert_busy", "during a backfill")):
        fig = figures.get(state) or {}
        if fig:
            met = "met" if fig["p99"] < INSERT_TARGET_MS else "NOT met"
            lines.append(f"  {'token_usage insert':<26} {label:<18} {fig['p50']:7.2f} / {fig['p95']:7.2f} / "
                         f"{fig['p99']:7.2f}  n={fig['n']:<4} load {fig['load_average']:.1f}  "
                         f"p99 < {INSERT_TARGET_MS:g} ms (seed 000): {met}")
    for name, found in figures["findings"].items():
        lines.append(f"  finding, {name}: {'; '.join(found)}")
    if not figures.get("backfill_still_running_at_end", True):
        lines.append("  note: the backfill ended before the last busy series; those series stopped with it")
    return lines
