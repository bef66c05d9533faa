"""`cockpit bench`: generate data in scratch databases, measure the pipeline against the database's own
SQL and against the naive pandas path, print a table of figures and ratios, optionally write JSON.

Scenarios (sizes at `--scale 1`; every figure is the median of `--repeat` runs after a warm-up run,
except where a single run is said):
- rollup of usage_hourly on PostgreSQL and MariaDB: 1 day of 500k usage_events, and a 10-day window
  of 5M rows as one single-run backfill (bench/rollup.py); the window's peak RSS in a fresh process;
- loads: every raw table generated in memory, then loaded as `cockpit generate` loads it (PostgreSQL:
  binary COPY through ADBC, a fresh month's partitions built whole; MariaDB: LOAD DATA, a day per transaction); the
  landing zone (Parquet files checked and loaded with their ledger);
- all daily assets: a 365-day single-run backfill with every check (cockpit_pipelines/cli/backfill.py), in
  a fresh process, on the data just loaded; then the same backfill through the production instance and
  two run workers on this machine (`cockpit backfill --submit`, `--days-per-run` days a run,
  bench/fanout.py), with each run's fixed cost;
- archival of usage_events (archive, verify, delete) on that data.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit_pipelines.progress import Progress
from cockpit_pipelines.settings import WAREHOUSE_URL_ENV, partition_start
from cockpit_pipelines.utc import today_utc

if TYPE_CHECKING:
    from bench.scratch import Server

REPO_ROOT = Path(__file__).resolve().parent.parent
ROLLUP_DAY_ROWS = 500_000
WINDOW_DAYS = 10
BACKFILL_DAYS = 365
ARCHIVE_DAYS = 15
DAYS_PER_RUN = 30
GB = 1e9
LONG_RUN_S = 60.0
# The figures' names of `cockpit backfill`'s three ways, and `cli_backfill`'s: both suites validated, the
# raw suite's kept validation taken, --no-raw-checks.
CLI_WAYS = {"cli": "checks", "cli_kept": "kept", "cli_derived": "no_raw_checks"}

TARGETS = {
    "rollup_vs_database": 1.0,  # asset seconds / database seconds, at most
    "pandas_vs_rollup": 8.0,  # pandas seconds / asset seconds, at least
    "load_rows_per_s": 200_000,
    "archival_rows_per_s": 100_000,
    "peak_rss_bytes": 1.5 * GB,
    "backfill_s": 300.0,
}


@dataclass(frozen=True)
class Options:
    scale: float = 1.0
    repeat: int = 3
    window_days: int = WINDOW_DAYS
    backfill_days: int = BACKFILL_DAYS
    pg_url: str | None = None
    mariadb_url: str | None = None
    mariadb: bool = True
    postgres: bool = True
    backfill_assets: tuple[str, ...] = ()
    json_path: Path | None = None
    serving: bool = False
    executions: int = 200
    days_per_run: int = DAYS_PER_RUN
    workers: bool = True
    year_only: bool = False

    @property
    def day_rows(self) -> int:
        return max(1, round(ROLLUP_DAY_ROWS * self.scale))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `cockpit bench`."""
    parser.add_argument("--scale", type=float, default=1.0,
                        help="data volume: 1 = 500k usage_events a rollup day and a scale-1 year of raw data")
    parser.add_argument("--json", dest="json_path", type=Path, metavar="FILE", help="write every figure as JSON")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure (the median is reported)")
    parser.add_argument("--window-days", type=int, default=WINDOW_DAYS, help="days of the rollup window")
    parser.add_argument("--backfill-days", type=int, default=BACKFILL_DAYS, help="days of the all-assets backfill")
    parser.add_argument("--pg-url", help="a database URL of the PostgreSQL server to create scratch databases on "
                        "(default: 127.0.0.1:5432 when reachable, else the embedded server)")
    parser.add_argument("--mariadb-url", help="a database URL of the MariaDB/MySQL server (default 127.0.0.1:3306)")
    parser.add_argument("--no-mariadb", dest="mariadb", action="store_false", help="skip the MariaDB figures")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false",
                        help="--serving: skip the PostgreSQL figures (MariaDB only)")
    parser.add_argument("--backfill-assets", nargs="+", default=[], metavar="ASSET",
                        help="backfill only these daily assets (default: every one)")
    parser.add_argument("--serving", action="store_true",
                        help="time the dashboard queries (sql/dashboards/) and token_usage inserts against the "
                        "seeds' targets, idle and during a backfill, on --backfill-days of generated data")
    parser.add_argument("--executions", type=int, default=200,
                        help="--serving: executions of each query per series (drawn parameters)")
    parser.add_argument("--days-per-run", type=int, default=DAYS_PER_RUN,
                        help="days a run of the backfill through the run workers (COCKPIT_DAYS_PER_RUN)")
    parser.add_argument("--no-workers", dest="workers", action="store_false",
                        help="skip the backfill through the run workers (RabbitMQ, Redis, a daemon, two workers)")
    parser.add_argument("--year-only", action="store_true",
                        help="only the year: loads, the backfill in process and through the run workers, archival")


def options_from(args: argparse.Namespace) -> Options:
    return Options(scale=args.scale, repeat=args.repeat, window_days=args.window_days,
                   backfill_days=args.backfill_days, pg_url=args.pg_url, mariadb_url=args.mariadb_url,
                   mariadb=args.mariadb, postgres=args.postgres, backfill_assets=tuple(args.backfill_assets),
                   json_path=args.json_path, serving=args.serving, executions=args.executions,
                   days_per_run=args.days_per_run, workers=args.workers, year_only=args.year_only)


def median_of(runs: list[float]) -> float:
    return statistics.median(runs)


def timed_runs(repeat: int, *steps: Callable[[], float]) -> list[list[float]]:
    """One warm-up run of each step, then `repeat` rounds of all steps interleaved (noise hits all alike).

    When a warm-up run takes over LONG_RUN_S (MariaDB's own 10-day rollup takes minutes), the warm-up
    runs are the measurement: one run each, cached as the later ones would be."""
    warm = [step() for step in steps]
    if max(warm) > LONG_RUN_S:
        return [[seconds] for seconds in warm]
    runs: list[list[float]] = [[] for _ in steps]
    for _ in range(repeat):
        for i, step in enumerate(steps):
            runs[i].append(step())
    return runs


# --- scenarios -----------------------------------------------------------------------------------


def rollup_scenario(server: Server, options: Options, first: date, progress: Progress) -> dict[str, Any]:
    """usage_hourly three ways at one day and over the window, on one engine."""
    import dagster as dg

    from bench import data, rollup
    from bench.scratch import scratch_database

    last = first + timedelta(days=options.window_days - 1)
    out: dict[str, Any] = {"server": server.label}
    with scratch_database(server, "rollup") as engine:
        out["version"] = engine.version
        url = engine.url.render_as_string(hide_password=False)
        ref = data.reference(engine)
        loaded = data.load_usage_events(engine, ref, first, options.window_days, options.day_rows)
        out["usage_events_load"] = loaded.as_json()
        out["settle_s"] = data.settle(engine, ["usage_events"])
        progress.advance(label=f"{engine.name}: {loaded.rows:,} usage_events loaded")
        rollup.scratch_tables(engine)
        # One Dagster instance for the asset's runs, as a deployment has (its start-up is in the
        # `cockpit backfill` figure): each timed run is a new run of the asset on it.
        instance = dg.DagsterInstance.ephemeral()
        fixed: dict[str, Any] = {}
        for label, lo, hi in (("day", first, first), ("window", first, last)):
            asset, database = timed_runs(
                options.repeat, lambda lo=lo, hi=hi: rollup.asset_rollup(url, lo, hi, instance=instance),
                lambda lo=lo, hi=hi: rollup.database_rollup(engine, lo, hi))
            pandas = [rollup.pandas_rollup(engine, lo, hi)
                      for _ in range(options.repeat if label == "day" else 1)]
            figure = {
                "days": (hi - lo).days + 1,
                "source_rows": options.day_rows * ((hi - lo).days + 1),
                "asset_s": median_of(asset), "asset_runs": asset,
                "database_s": median_of(database), "database_runs": database,
                "pandas_s": median_of(pandas), "pandas_runs": pandas,
                "identical_to_database": rollup.same_rows(engine, lo, hi),
                "identical_to_pandas": rollup.same_rows(engine, lo, hi, rollup.PANDAS_TABLE),
            }
            if engine.family == "postgresql":
                figure["cli_fixed"] = fixed = fixed or fixed_costs(options.repeat)
                cli = cli_backfill(url, lo, hi, options.repeat)
                for name, way in CLI_WAYS.items():
                    figure[f"{name}_runs"] = [seconds for seconds, _ in cli[way]]
                    figure[f"{name}_step_runs"] = [step for _, step in cli[way]]
                    for what in (name, f"{name}_step"):
                        figure[f"{what}_s"] = median_of(figure[f"{what}_runs"])
                        figure[f"{what}_vs_database"] = figure[f"{what}_s"] / figure["database_s"]
            figure["asset_vs_database"] = figure["asset_s"] / figure["database_s"]
            figure["pandas_vs_asset"] = figure["pandas_s"] / figure["asset_s"]
            out[label] = figure
            progress.advance(label=f"{engine.name}: rollup {label} {figure['asset_vs_database']:.2f}x the database")
        if engine.family == "postgresql":
            out["window"]["peak_rss"] = worker("window", url, first.isoformat(), last.isoformat())
            progress.advance(label=f"{engine.name}: peak RSS {out['window']['peak_rss']['peak_rss_bytes'] / GB:.2f} GB")
            out["landing"] = data.landing_load(engine, ref, first - timedelta(days=1), options.scale).as_json()
            out["copy_path"] = data.copy_path(engine, ref, first - timedelta(days=2), options.scale)
            progress.advance(label=f"{engine.name}: landing zone {out['landing']['rows']:,} rows")
    return out


def year_scenario(server: Server, options: Options, first: date, progress: Progress) -> dict[str, Any]:
    """Every raw table for the backfill days (loads), the backfill of every daily asset, then archival."""
    from bench import data
    from bench.scratch import scratch_database

    last = first + timedelta(days=options.backfill_days - 1)
    out: dict[str, Any] = {"first": first.isoformat(), "last": last.isoformat(), "scale": options.scale}
    archiver = importlib.util.find_spec("cockpit_pipelines.archive")
    with scratch_database(server, "year") as engine:
        url = engine.url.render_as_string(hide_password=False)
        ref = data.reference(engine)
        out["loads"] = data.load_raw_days(engine, ref, first, options.backfill_days, options.scale).as_json()
        out["settle_s"] = data.settle(engine, data.raw_table_names())
        progress.advance(label=f"loads {out['loads']['load_rows_per_s']:,.0f} rows/s")
        env = {WAREHOUSE_URL_ENV: url, "COCKPIT_PARTITION_START": first.isoformat()}
        started = time.perf_counter()
        out["backfill"] = worker("backfill", first.isoformat(), last.isoformat(), *options.backfill_assets, env=env)
        out["backfill"]["process_s"] = time.perf_counter() - started
        progress.advance(label=f"backfill {out['backfill']['seconds']:.0f}s")
        if options.workers:
            from bench.fanout import workers_backfill

            out["workers"] = workers_backfill(server, url, first, last, options.days_per_run,
                                              options.backfill_assets)
            progress.advance(label=f"through run workers {out['workers'].get('seconds', 0):.0f}s")
        if archiver is None:
            out["archival_unavailable"] = "not available: cockpit_pipelines.archive is not there"
        else:
            from bench import archival

            days = min(ARCHIVE_DAYS, max(1, options.backfill_days // 3))
            out["archival"] = archival.archive_days(engine, first, days)
        progress.advance(label=f"archival {out.get('archival', {}).get('rows_per_s', 0):,.0f} rows/s")
    return out


def cli_backfill(url: str, first: date, last: date, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """Wall seconds of `cockpit backfill --select usage_hourly` over the days, with the seconds of its
    usage_hourly step that its summary gives (the step as the UI shows it), as a user runs it: a new
    process each time (Python, Dagster, the definitions, Great Expectations), the raw table's suite, the
    asset, its own suite; on one Dagster instance, after a warm-up run that created it (as the user's
    `.cockpit/dagster_home` exists after their first command). Three ways: `checks`, the raw suite
    validated (`--revalidate`); `kept`, its passing validation of the same unchanged rows taken (the
    command as a user reruns it); `no_raw_checks`, with `--no-raw-checks` (its own suite only)."""
    with tempfile.TemporaryDirectory(prefix="cockpit_bench_home_") as home:
        env = {**os.environ, WAREHOUSE_URL_ENV: url, "COCKPIT_HOME": home, "CI": "true"}
        command = [sys.executable, "-m", "cockpit_pipelines.cli", "backfill", "--start", first.isoformat(),
                   "--end", last.isoformat(), "--select", "usage_hourly"]
        errors, output = Path(home) / "stderr.txt", Path(home) / "stdout.txt"

        def run(*extra: str) -> tuple[float, float]:
            seconds = _timed_process([*command, *extra], env, errors, output)
            step = re.search(r"^  materialized usage_hourly +[0-9,]+ rows in ([0-9.]+)s$", output.read_text(),
                             re.MULTILINE)
            if step is None:
                raise RuntimeError(f"cockpit backfill gave no step time for usage_hourly: {output.read_text()}")
            return seconds, float(step.group(1))

        run()
        return {"checks": [run("--revalidate") for _ in range(repeat)],
                "kept": [run() for _ in range(repeat)],
                "no_raw_checks": [run("--no-raw-checks") for _ in range(repeat)]}


def fixed_costs(repeat: int) -> dict[str, Any]:
    """What every `cockpit backfill` pays before it touches a row, each in a new process (median of
    `repeat`): starting Python, Dagster and the definitions, and importing Great Expectations as the
    first check does; each process then ends normally."""
    out: dict[str, Any] = {}
    imports = (("startup", "import cockpit_pipelines.definitions"),
               ("gx_import", "import great_expectations"))
    for name, statement in imports:
        command = [sys.executable, "-c", statement]
        with tempfile.TemporaryDirectory(prefix="cockpit_bench_import_") as folder:
            runs = [_timed_process(command, dict(os.environ), Path(folder) / "stderr.txt")
                    for _ in range(repeat + 1)][1:]
        out[f"{name}_runs"], out[f"{name}_s"] = runs, median_of(runs)
    return out


def _timed_process(command: list[str], env: dict[str, str], errors: Path, output: Path | None = None) -> float:
    """Wall seconds of a command run from the repository root, its stdout to `output` (else dropped);
    raises with its stderr when it fails."""
    with errors.open("w") as stderr, (output.open("w") if output else contextlib.nullcontext()) as stdout:
        started = time.perf_counter()
        # Its own process group, and stderr to a file: the `tail -F` processes Dagster's compute-log
        # capture starts may outlive the command, and must neither hold a pipe open nor linger.
        process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=stdout or subprocess.DEVNULL, stderr=stderr,
                                   start_new_session=True)
        returncode = process.wait()
        seconds = time.perf_counter() - started
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    if returncode:
        raise RuntimeError(f"{' '.join(command[1:])} failed (exit {returncode}): {errors.read_text()[-2000:]}")
    return seconds


def worker(step: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a bench.worker step in a fresh Python process; its JSON result."""
    command = [sys.executable, "-m", "bench.worker", step, *args]
    environment = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)}
    # stdout carries the result; the worker's progress lines go to this process's stderr as they come.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=environment, cwd=REPO_ROOT, check=False)
    if done.returncode:
        raise RuntimeError(f"bench worker {step} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report --------------------------------------------------------------------------------------


def machine(pg_version: str, mariadb_version: str | None) -> dict[str, Any]:
    import polars as pl

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cpus": os.cpu_count(), "memory_bytes": memory, "platform": platform.platform(),
            "python": platform.python_version(), "polars": pl.__version__, "postgresql": pg_version,
            "mariadb": mariadb_version}


def targets(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target (`TARGETS`) with the measured value and whether it is met."""
    found: list[dict[str, Any]] = []

    def add(name: str, value: float | None, target: float, at_most: bool, unit: str) -> None:
        met = None if value is None else (value <= target if at_most else value >= target)
        found.append({"target": name, "value": value, "limit": target, "at_most": at_most, "unit": unit, "met": met})

    pg = figures["rollup"].get("postgresql") or {}
    for label in ("day", "window"):
        if label in pg:
            add(f"rollup {label}: asset / database (PostgreSQL)", pg[label]["asset_vs_database"],
                TARGETS["rollup_vs_database"], True, "x")
            add(f"rollup {label}: pandas / asset (PostgreSQL)", pg[label]["pandas_vs_asset"],
                TARGETS["pandas_vs_rollup"], False, "x")
    if "window" in pg and "peak_rss" in pg["window"]:
        add("peak RSS of the window", pg["window"]["peak_rss"]["peak_rss_bytes"], TARGETS["peak_rss_bytes"], True, "B")
    year = figures.get("year") or {}
    if "loads" in year:
        add("load into PostgreSQL (all raw tables)", year["loads"]["load_rows_per_s"],
            TARGETS["load_rows_per_s"], False, "rows/s")
    if "backfill" in year:
        add(f"backfill of every daily asset, {figures['parameters']['backfill_days']} days",
            year["backfill"]["seconds"], TARGETS["backfill_s"], True, "s")
    if "archival" in year:
        add("archival of usage_events", year["archival"]["rows_per_s"], TARGETS["archival_rows_per_s"], False,
            "rows/s")
    return found


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _fixed(figure: dict[str, Any]) -> str:
    """The fixed costs of a `cockpit backfill` process, where measured."""
    fixed = figure.get("cli_fixed")
    return f"{fixed['startup_s']:.2f} s / {fixed['gx_import_s']:.2f} s" if fixed else "-"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} rows/s"


def workers_rows(w: dict[str, Any], in_process: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """The backfill through the run workers (bench/fanout.py)."""
    if "unavailable" in w:
        return [("the backfill through run workers", w["unavailable"], "-")]
    runs = len(w["runs"])
    against = f" = {w['seconds'] / in_process['process_s']:.2f}x in process" if in_process else ""
    return [
        (f"the same, through {w['workers']} run workers on this machine ({w['days_per_run']} day(s) a run)", "", ""),
        ("  cockpit backfill --submit (submitted, every run done)", f"{_seconds(w['seconds'])}{against}", "-"),
        ("  runs, on each worker", f"{runs}: " + " / ".join(str(n) for n in w["runs_per_worker"].values()), "-"),
        ("  the runs' steps, summed", _seconds(w["steps_s"]), "-"),
        ("  fixed cost a run, median (min-max)",
         f"{_seconds(w['fixed_s'])} ({w['fixed_min_s']:.2f}-{w['fixed_max_s']:.2f})", "-"),
        ("    launch to start / in the run besides its steps", f"{w['launch_s']:.2f} s / {w['in_run_s']:.2f} s", "-"),
        ("  once: submission to the first launch / last run to the end",
         f"{w['first_launch_s']:.2f} s / {w['after_last_s']:.2f} s", "-"),
        ("  the deployment's start (daemon, workers ready)", _seconds(w["ready_s"]), "-"),
    ]


def report_lines(figures: dict[str, Any]) -> list[str]:
    """The figures as a text table: PostgreSQL and MariaDB side by side, then the targets."""
    params = figures["parameters"]
    lines = [f"cockpit bench: scale {params['scale']}, median of {params['repeat']} run(s) after a warm-up"]
    m = figures["machine"]
    lines.append(f"machine: {m['cpus']} cpus, {m['memory_bytes'] / 2**30:.1f} GiB RAM, PostgreSQL {m['postgresql']}, "
                 f"MariaDB {m['mariadb'] or 'not available'}, Python {m['python']}, polars {m['polars']}")
    rows: list[tuple[str, str, str]] = []
    engines = [figures["rollup"].get("postgresql") or {}, figures["rollup"].get("mariadb") or {}]
    for label in ("day", "window"):
        sample = next((e[label] for e in engines if label in e), None)
        if sample is None:
            continue
        what = "one run" if sample["days"] > 1 else "one day"
        rows.append((f"usage_hourly, {sample['days']} day(s), {sample['source_rows']:,} usage_events ({what})", "", ""))

        def cell(engine: dict[str, Any], render: Callable[[dict[str, Any]], str], label: str = label) -> str:
            return render(engine[label]) if label in engine else "not available"

        for name, render in (
            ("  asset, end to end (Dagster run)", lambda f: _seconds(f["asset_s"])),
            ("  database INSERT … SELECT", lambda f: _seconds(f["database_s"])),
            ("  pandas + SQLAlchemy", lambda f: _seconds(f["pandas_s"])),
            ("  asset / database", lambda f: f"{f['asset_vs_database']:.2f}x"),
            ("  cockpit backfill CLI (new process, both suites)",
             lambda f: f"{_seconds(f['cli_s'])} = {f['cli_vs_database']:.1f}x" if "cli_s" in f else "-"),
            ("    of which Python, Dagster, definitions / GX import", _fixed),
            ("  the same, raw suite's validation kept (rows unchanged)",
             lambda f: f"{_seconds(f['cli_kept_s'])} = {f['cli_kept_vs_database']:.1f}x"
             if "cli_kept_s" in f else "-"),
            ("  the same, --no-raw-checks (its own suite only)",
             lambda f: f"{_seconds(f['cli_derived_s'])} = {f['cli_derived_vs_database']:.1f}x"
             if "cli_derived_s" in f else "-"),
            ("  usage_hourly's step in those commands (each way)",
             lambda f: " / ".join(f"{f[f'{n}_step_s']:.2f}" for n in CLI_WAYS) + " s" if "cli_step_s" in f else "-"),
            ("  its step / database (each way)",
             lambda f: " / ".join(f"{f[f'{n}_step_vs_database']:.2f}x" for n in CLI_WAYS)
             if "cli_step_s" in f else "-"),
            ("  pandas / asset", lambda f: f"{f['pandas_vs_asset']:.1f}x"),
            ("  same rows as the database", lambda f: "yes" if f["identical_to_database"]["identical"]
             else f"NO ({f['identical_to_database']})"),
        ):
            rows.append((name, cell(engines[0], render), cell(engines[1], render)))
        if label == "window" and "peak_rss" in engines[0].get("window", {}):
            rss = engines[0]["window"]["peak_rss"]["peak_rss_bytes"]
            rows.append(("  peak RSS, fresh process", f"{rss / GB:.2f} GB", "-"))
    pg = engines[0]
    if "usage_events_load" in pg:
        rows.append(("loads", "", ""))
        maria = engines[1].get("usage_events_load") or {}
        rows.append(("  usage_events only, COPY / LOAD DATA", _rate(pg["usage_events_load"]["load_rows_per_s"]),
                     _rate(maria.get("load_rows_per_s"))))
    year = figures.get("year") or {}
    if "loads" in year:
        loads = year["loads"]
        rows.append((f"  every raw table, {params['backfill_days']} days: generate (memory)",
                     _rate(loads["generate_rows_per_s"]), "-"))
        rows.append((f"  every raw table, {params['backfill_days']} days: load (COPY)",
                     _rate(loads["load_rows_per_s"]), "-"))
    if "landing" in pg:
        rows.append(("  landing zone, Parquet (checks + load + ledger)", _rate(pg["landing"]["rows_per_s"]), "-"))
    if "copy_path" in pg:
        rows.append(("  one day, one connection: the raw tables", _rate(pg["copy_path"]["tables_rows_per_s"]), "-"))
        rows.append(("  one day, one connection: index-free copies", _rate(pg["copy_path"]["copies_rows_per_s"]),
                     "-"))
    if "settle_s" in year:
        rows.append(("  then VACUUM (ANALYZE) of the raw tables", _seconds(year["settle_s"]), "-"))
    if "backfill" in year:
        b = year["backfill"]
        rows.append((f"all daily assets, {params['backfill_days']} days, one run (with checks)", "", ""))
        rows.append(("  run_backfill", _seconds(b["seconds"]), "-"))
        rows.append(("  the process (imports, definitions, run)", _seconds(b["process_s"]), "-"))
        rows.append(("  checks passed", f"{b['checks_passed']}/{b['checks_total']}", "-"))
    if "workers" in year:
        rows.extend(workers_rows(year["workers"], year.get("backfill")))
    if "archival" in year:
        a = year["archival"]
        rows.append((f"archival of usage_events, {a['days']} days (archive, verify, delete)", "", ""))
        rows.append(("  throughput", f"{_rate(a['rows_per_s'])} ({a['rows']:,} rows)", "-"))
    elif year.get("archival_unavailable"):
        rows.append(("archival (archive, verify, delete)", year["archival_unavailable"], "-"))
    width = max(len(r[0]) for r in rows) + 2
    lines.append(f"{'':<{width}}{'PostgreSQL':<28}MariaDB")
    lines.extend(f"{name:<{width}}{pg_value:<28}{maria_value}".rstrip() for name, pg_value, maria_value in rows)
    lines.append("targets:")
    for t in figures["targets"]:
        value = t["value"]
        shown = "n/a" if value is None else (f"{value / GB:.2f} GB" if t["unit"] == "B" else
                                             f"{value:,.2f}{t['unit']}" if t["unit"] == "x" else
                                             f"{value:,.0f} {t['unit']}")
        limit = (f"{t['limit'] / GB:.1f} GB" if t["unit"] == "B" else
                 f"{t['limit']:g}{t['unit']}" if t["unit"] == "x" else f"{t['limit']:,.0f} {t['unit']}")
        state = "n/a" if t["met"] is None else ("met" if t["met"] else "NOT met")
        lines.append(f"  {t['target']:<52} {shown:>16}  {'≤' if t['at_most'] else '≥'} {limit:<12} {state}")
    lines.extend(f"note: {n}" for n in figures["notes"])
    return lines


def run(options: Options) -> dict[str, Any]:
    """Run every scenario; the figures (also written to `options.json_path`)."""
    yesterday = today_utc() - timedelta(days=1)
    year_first = yesterday - timedelta(days=options.backfill_days - 1)
    rollup_first = yesterday - timedelta(days=options.window_days - 1)
    # The rollups run in this process: its daily partitions must hold their days (the backfill runs in a
    # process of its own, whose partitions start with the backfill).
    if rollup_first < partition_start() and not options.year_only:
        raise SystemExit(f"the daily partitions start on {partition_start()} (COCKPIT_PARTITION_START), after "
                         f"{rollup_first}, the first day of the rollup window")
    from bench.scratch import ServerUnavailable, mariadb_server, postgres_server

    pg = postgres_server(options.pg_url)
    pg_version = pg.check()
    notes = [f"PostgreSQL: scratch databases on {pg.label}"]
    maria: Server | None = None
    maria_version = None
    if options.mariadb and not options.year_only:
        maria = mariadb_server(options.mariadb_url)
        try:
            maria_version = maria.check()
        except ServerUnavailable as exc:
            notes.append(f"MariaDB figures not available: {exc}")
            maria = None
    figures: dict[str, Any] = {
        "parameters": {"scale": options.scale, "repeat": options.repeat, "window_days": options.window_days,
                       "backfill_days": options.backfill_days, "rollup_day_rows": options.day_rows,
                       "days_per_run": options.days_per_run, "year_only": options.year_only,
                       "backfill_assets": list(options.backfill_assets) or "all",
                       "rollup_first_day": rollup_first.isoformat(), "backfill_first_day": year_first.isoformat(),
                       "started_at": datetime.now(UTC).isoformat(timespec="seconds")},
        "machine": machine(pg_version, maria_version),
        "rollup": {},
        "notes": notes,
    }
    if maria:
        notes.append("MariaDB compares the same usage_hourly rows: counts, sums, average and p50/p95/p99 latency; "
                     "MariaDB has no ordered-set percentile aggregate, so sql/analytics/mysql/usage_hourly.sql "
                     "computes the percentiles as PERCENTILE_CONT window functions carried into the GROUP BY")
    steps = (0 if options.year_only else 5 + (3 if maria else 0)) + 3 + options.workers
    started = time.perf_counter()
    with Progress("bench", total=steps, unit="step") as progress:
        if not options.year_only:
            figures["rollup"]["postgresql"] = rollup_scenario(pg, options, rollup_first, progress)
        if maria:
            figures["rollup"]["mariadb"] = rollup_scenario(maria, options, rollup_first, progress)
        figures["year"] = year_scenario(pg, options, year_first, progress)
    figures["seconds"] = time.perf_counter() - started
    for engine, rollup in figures["rollup"].items():
        for label in ("day", "window"):
            if options.repeat > 1 and len(rollup[label]["asset_runs"]) == 1:
                notes.append(f"{engine} rollup {label}: one run each (a warm-up run took over {LONG_RUN_S:.0f} s), "
                             "pandas: one run")
    if not options.year_only:
        notes.append("pandas over the window: one run (it takes tens of seconds and gigabytes)")
    notes.append(f"load average (1, 5, 15 min) at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    figures["targets"] = targets(figures)
    if options.json_path:
        options.json_path.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    return figures


def serving_run(options: Options) -> dict[str, Any]:
    """`--serving`: per engine, a scratch database with `backfill_days` days of every raw table at `scale`
    ending yesterday and their backfill, then the dashboard queries and inserts, idle and during a
    backfill (bench/serving.py); plans under bench/results/."""
    from bench import data, serving
    from bench.scratch import ServerUnavailable, mariadb_server, postgres_server, scratch_database

    last = today_utc() - timedelta(days=1)
    first = last - timedelta(days=options.backfill_days - 1)
    servers = [postgres_server(options.pg_url)] if options.postgres else []
    notes: list[str] = []
    if options.mariadb:
        maria = mariadb_server(options.mariadb_url)
        try:
            maria.check()
            servers.append(maria)
        except ServerUnavailable as exc:
            notes.append(f"MariaDB figures not available: {exc}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    figures: dict[str, Any] = {"parameters": {"scale": options.scale, "days": options.backfill_days,
                                              "first": first.isoformat(), "last": last.isoformat(),
                                              "executions": options.executions},
                               "serving": {}, "notes": notes}
    with Progress("bench --serving", total=5 * len(servers), unit="step") as progress:
        for server in servers:
            with scratch_database(server, "serving") as engine:
                ref = data.reference(engine)
                loads = data.load_raw_days(engine, ref, first, options.backfill_days, options.scale)
                data.settle(engine, data.raw_table_names())
                progress.advance(label=f"{engine.name}: {loads.rows:,} raw rows")
                env = {WAREHOUSE_URL_ENV: engine.url.render_as_string(hide_password=False),
                       "COCKPIT_PARTITION_START": first.isoformat()}
                backfill = worker("backfill", first.isoformat(), last.isoformat(), env=env)
                data.settle(engine, [t.name for t in contracts_tables("derived")])
                progress.advance(label=f"{engine.name}: backfill {backfill['seconds']:.0f}s")
                result = serving.serving_scenario(engine, first, last, options.executions,
                                                  serving.RESULTS_DIR / f"serving-{stamp}", progress)
                result["raw_rows"], result["backfill_s"] = loads.rows, backfill["seconds"]
                figures["serving"][engine.name] = result
    if options.json_path:
        options.json_path.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    return figures


def contracts_tables(kind: str) -> list[Any]:
    from cockpit_pipelines.contracts import contracts

    return [t for t in contracts().tables.values() if t.kind == kind]


def serving_report(figures: dict[str, Any]) -> list[str]:
    from bench import serving

    p = figures["parameters"]
    lines = [f"cockpit bench --serving: {p['days']} days at scale {p['scale']} ({p['first']}..{p['last']}), "
             f"{p['executions']} executions per query and series, parameters drawn from the data"]
    for engine, result in figures["serving"].items():
        lines.append(f"{engine}: {result['raw_rows']:,} raw rows, backfill of every daily asset "
                     f"{result['backfill_s']:.0f} s")
        lines.extend(serving.report_lines(engine, result))
        lines.append(f"  plans: {Path(next(iter(result['plans'].values()))).parent}")
    lines.extend(f"note: {n}" for n in figures["notes"])
    return lines


def main(args: argparse.Namespace) -> int:
    """`cockpit bench`: run, print the table; exit 0 (targets are reported, not enforced)."""
    options = options_from(args)
    if not options.postgres and not options.serving:
        raise SystemExit("cockpit bench: --no-postgres is for --serving (the other figures compare against PostgreSQL)")
    if options.serving:
        print("\n".join(serving_report(serving_run(options))))
        return 0
    figures = run(options)
    print("\n".join(report_lines(figures)))
    return 0
