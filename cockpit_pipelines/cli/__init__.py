"""`cockpit`: the command line of the cockpit warehouse."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from cockpit_pipelines.cli.home import configured_warehouse, ensure_dagster_home, require_migrated
from cockpit_pipelines.settings import CLONE_ROOT, WAREHOUSE_URL_ENV, cockpit_home, landing_dir
from cockpit_pipelines.utc import day_range

BENCH_HELP = "benchmark the pipeline against the database's own SQL, in scratch databases"


# -- migrate --------------------------------------------------------------------------------------
def cmd_migrate(args: argparse.Namespace) -> int:
    from cockpit_pipelines.contracts import compare, contracts
    from cockpit_pipelines.migrations import MigrationRunner

    engine = configured_warehouse(migrated=False)
    runner = MigrationRunner(engine)
    action = args.action or "up"
    if action == "status":
        rows = runner.status()
        width = max((len(r.slug) for r in rows), default=10)
        for r in rows:
            when = f"{r.applied_at:%Y-%m-%d %H:%M:%S}" if r.applied_at else ""
            print(f"{r.version}  {r.slug:<{width}}  {r.domain:<20} {r.state:<8} {when}  {r.detail}".rstrip())
        counts = {s: sum(r.state == s for r in rows) for s in ("applied", "pending", "dirty", "changed", "missing")}
        print(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no migrations")
        if args.drift:
            drifts = compare(list(contracts().tables.values()), engine.catalog_columns(), engine.family)
            print(f"drift: {len(drifts)} difference(s) from sql/contracts")
            for d in drifts:
                print(f"  {d}")
            return 1 if drifts else 0
        return 1 if counts["dirty"] or counts["changed"] or counts["missing"] else 0
    if action == "down":
        reverted = runner.down(args.to)
        print(f"reverted {len(reverted)} migration(s); now at {args.to}")
        return 0
    if action == "repair":
        repaired = runner.repair()
        print(f"repaired {len(repaired)} dirty migration(s)" if repaired else "nothing to repair")
        return 0
    applied = runner.migrate(args.domain or None, dry_run=args.dry_run,
                             log=lambda s: print(s, file=sys.stdout if args.dry_run else sys.stderr),
                             domain_parents=contracts().ancestors())
    if not args.dry_run:
        print(f"applied {len(applied)} migration(s)" if applied else "schema is up to date (nothing to apply)")
    return 0


# -- embedded database ----------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    from cockpit_pipelines.engines import embedded

    if args.action == "stop":
        print("embedded PostgreSQL stopped" if embedded.stop_embedded() else "embedded PostgreSQL was not running")
    elif args.action == "status":
        running = embedded.is_running()
        print(f"embedded PostgreSQL: {'running' if running else 'stopped'} (data: {embedded.pgdata_dir()})")
    else:
        url = embedded.ensure_embedded()
        print(url if args.action == "url" else f"embedded PostgreSQL running: {url}")
    return 0


# -- ui -------------------------------------------------------------------------------------------
def cmd_ui(args: argparse.Namespace) -> int:
    """`dagster dev` of the running interpreter (not whichever `dagster` is on PATH), so that
    `.venv/bin/cockpit ui` works with no virtual environment activated. In a clone it reads workspace.yaml;
    installed, it loads the package's definitions module. It runs in the Dagster home, with the environment
    of the other commands: `dagster dev` would apply a `.env` of its working directory over it."""
    home = ensure_dagster_home()
    location = ["-w", str(CLONE_ROOT / "workspace.yaml")] if CLONE_ROOT else ["-m", "cockpit_pipelines.definitions"]
    os.chdir(home)
    argv = [sys.executable, "-m", "dagster", "dev", *location, "-h", args.host, "-p", str(args.port)]
    os.execv(sys.executable, argv)
    return 0


# -- ingest ---------------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    """Load every landing file under DIR now, as `landing_zone_sensor` would; 1 when any file failed."""
    from cockpit_pipelines.landing import ingest_paths, landing_files

    directory = Path(args.directory) if args.directory else landing_dir()
    if not directory.is_dir():
        print(f"error: landing directory {directory} does not exist", file=sys.stderr)
        return 2
    engine = configured_warehouse(f"landing zone: {directory}")
    results = ingest_paths(engine, [path for _, path in landing_files(directory)])
    for result in results:
        print(result.summary())
    loaded = sum(r.rows_loaded for r in results)
    quarantined = sum(r.rows_quarantined for r in results)
    failed = [r for r in results if r.status == "failed"]
    print(f"{len(results)} file(s): {loaded:,} rows loaded, {quarantined:,} quarantined, "
          f"{sum(r.status == 'duplicate' for r in results)} already loaded, {len(failed)} failed")
    return 1 if failed else 0


# -- demo -----------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from cockpit_pipelines.cli.demo import DemoOptions, run_demo

    if args.days < 1 or args.scale <= 0:
        print("--days must be at least 1 and --scale above 0", file=sys.stderr)
        return 2
    ensure_dagster_home()
    end = date.fromisoformat(args.end) if args.end else None
    return run_demo(DemoOptions(days=args.days, scale=args.scale, seed=args.seed, end=end))


# -- generate -------------------------------------------------------------------------------------
def cmd_generate(args: argparse.Namespace) -> int:
    from cockpit_pipelines.cli.generate import run_generate

    return run_generate(args)


# -- backfill -------------------------------------------------------------------------------------
def cmd_backfill(args: argparse.Namespace) -> int:
    from cockpit_pipelines.kept_validations import REVALIDATE_ENV

    if args.revalidate:
        os.environ[REVALIDATE_ENV] = "1"
    return _backfill(args)


def _backfill(args: argparse.Namespace) -> int:
    import dagster as dg

    from cockpit_pipelines.cli.backfill import run_backfill
    from cockpit_pipelines.engines import engine_for

    try:
        start, end = day_range(args.start, args.end)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ensure_dagster_home()
    if args.submit:  # the runs read the warehouse of the workers' environment
        return _submit(start, end, args)
    require_migrated(engine_for(None))
    with dg.DagsterInstance.get() as instance:
        try:
            report = run_backfill(start, end, instance=instance, select=args.select,
                                  raw_checks=not args.no_raw_checks)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print("\n".join(report.summary_lines()))
    for check in report.failed_blocking():
        rules = "; ".join(check.failing.splitlines()) or check.description
        print(f"error: blocking check {check.asset}:{check.check} failed for partition {check.partitions}: {rules}",
              file=sys.stderr)
    if report.failed_blocking() or not report.success:
        return 1
    return 0


# -- worker ---------------------------------------------------------------------------------------
def cmd_worker(args: argparse.Namespace) -> int:
    from cockpit_pipelines.cli.worker import run_worker

    return run_worker(args)


def _submit(start: date, end: date, args: argparse.Namespace) -> int:
    """`cockpit backfill --submit`: the backfill created in the instance, followed to its end."""
    import dagster as dg

    from cockpit_pipelines.cli.submit import follow_backfill, submit_backfill

    with dg.DagsterInstance.get() as instance:
        try:
            submitted = submit_backfill(start, end, instance=instance, select=args.select)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"backfill {submitted.backfill_id} submitted to the instance at {os.environ['DAGSTER_HOME']}; "
              "following it (Ctrl-C stops following, not the backfill)", file=sys.stderr, flush=True)
        follow_backfill(instance, submitted)
    print("\n".join(submitted.summary_lines()))
    return 0 if submitted.success else 1


# -- archive / restore ----------------------------------------------------------------------------
def cmd_archive(args: argparse.Namespace) -> int:
    from cockpit_pipelines.cli.archive import run_archive

    return run_archive(args)


def cmd_restore(args: argparse.Namespace) -> int:
    from cockpit_pipelines.cli.archive import run_restore

    return run_restore(args)


# -- backup ---------------------------------------------------------------------------------------
def cmd_backup(args: argparse.Namespace) -> int:
    from cockpit_pipelines.cli.backup import run_backup, run_backup_restore

    if args.action == "restore":
        return run_backup_restore(args)
    return run_backup(args)


# -- bench ----------------------------------------------------------------------------------------
def cmd_bench(args: argparse.Namespace) -> int:
    """Run bench/runner.py of the clone this package runs from: the benchmark is not installed with it."""
    if CLONE_ROOT is None or not (CLONE_ROOT / "bench" / "runner.py").is_file():
        print("cockpit bench runs from a clone of the repository", file=sys.stderr)
        return 2
    if str(CLONE_ROOT) not in sys.path:
        sys.path.insert(0, str(CLONE_ROOT))
    runner = importlib.import_module("bench.runner")
    parser = argparse.ArgumentParser(prog="cockpit bench", description=BENCH_HELP)
    runner.add_arguments(parser)
    return runner.main(parser.parse_args(args.bench_args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cockpit",
        description=f"Cockpit warehouse pipelines. The warehouse is ${WAREHOUSE_URL_ENV} "
        f"(unset: embedded PostgreSQL under {cockpit_home()}).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="migrate, generate a week of data, run the nightly pipeline and every check")
    demo.add_argument("--days", type=int, default=7, help="days of raw data (default: a week)")
    demo.add_argument("--end", help="last UTC day, YYYY-MM-DD (default: yesterday)")
    demo.add_argument("--scale", type=float, default=1.0, help="1 ≈ 10k dialogues and 50k usage events a day")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the generated data")
    demo.set_defaults(func=cmd_demo)

    migrate = sub.add_parser("migrate", help="apply / show / revert schema migrations")
    migrate.add_argument("action", nargs="?", choices=["up", "status", "down", "repair"], default="up")
    migrate.add_argument("--dry-run", action="store_true", help="print the SQL that would run")
    migrate.add_argument("--domain", action="append", help="only these domains (repeatable)")
    migrate.add_argument("--to", help="with `down`: the version to go back to (e.g. 0004)")
    migrate.add_argument("--drift", action="store_true", help="with `status`: compare the catalog with sql/contracts")
    migrate.set_defaults(func=cmd_migrate)

    generate = sub.add_parser("generate", help="deterministic synthetic raw data for every raw table")
    generate.add_argument("--start", required=True, help="first UTC day, YYYY-MM-DD")
    generate.add_argument("--days", type=int, required=True, help="number of days")
    generate.add_argument("--scale", type=float, default=1.0, help="1 ≈ 10k dialogues and 50k usage events a day")
    generate.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same rows")
    generate.add_argument("--to-landing", metavar="DIR", help="write landing-zone files instead of loading tables")
    generate.set_defaults(func=cmd_generate)

    backfill = sub.add_parser("backfill", help="every daily asset for [start, end] with its checks, as one run")
    backfill.add_argument("--start", required=True, help="first UTC day, YYYY-MM-DD")
    backfill.add_argument("--end", required=True, help="last UTC day (inclusive), YYYY-MM-DD")
    backfill.add_argument("--select", nargs="+", metavar="ASSET", help="only these assets (e.g. usage_hourly)")
    backfill.add_argument("--no-raw-checks", action="store_true",
                          help="leave out the raw tables' suites (the blocking gate before the assets): to rebuild "
                          "derived tables from days whose raw rows were validated before, e.g. by the nightly job")
    backfill.add_argument("--revalidate", action="store_true",
                          help="validate every suite, even where a passing validation of the same rows is kept "
                          "(one is kept per table and window while the rows it read are unchanged)")
    backfill.add_argument("--submit", action="store_true",
                          help="create the backfill in the instance (DAGSTER_HOME), as the UI does, and follow it: "
                          "the daemon cuts it into runs of COCKPIT_DAYS_PER_RUN days, the run queue and the run "
                          "workers execute them (deploy/dagster.yaml); the assets' own checks run in their runs")
    backfill.set_defaults(func=cmd_backfill)

    worker = sub.add_parser("worker", help="a Celery run worker for the instance's run launcher (deploy/dagster.yaml)",
                            description="Execute the runs the instance (DAGSTER_HOME) sends to the broker "
                            "COCKPIT_CELERY_BROKER_URL, recording their state in COCKPIT_CELERY_BACKEND_URL.")
    worker.add_argument("--queue", "-q", default="dagster",
                        help="the Celery queue to take runs from (default: dagster)")
    worker.add_argument("--concurrency", "-c", type=int, default=1, help="runs executed at a time (default: 1)")
    worker.add_argument("--name", "-n", help="the worker's name (NAME@host), distinct per worker on one machine "
                        "(default: cockpit-<random>)")
    worker.add_argument("--loglevel", default="INFO", help="Celery's log level (default: INFO)")
    worker.set_defaults(func=cmd_worker)

    archive = sub.add_parser("archive", help="run the retention policies now: archive due rows to Parquet, then delete")
    archive.add_argument("--dry-run", action="store_true", help="report what would be archived per table")
    archive.add_argument("--table", action="append", metavar="T", help="only this table's policy (repeatable)")
    archive.add_argument("--keep", action="append", metavar="T=DURATION",
                         help="override a policy for this run, e.g. usage_events=45d or audit_logs=off (repeatable)")
    archive.add_argument("--as-of", metavar="ISO", help="the instant the cutoffs count back from (default: now, UTC)")
    archive.add_argument("--no-build", action="store_true",
                         help="do not build missing rollup days first (their raw rows then stay until built)")
    archive.set_defaults(func=cmd_archive)

    ingest = sub.add_parser("ingest", help="load every landing file under DIR now, as the landing sensor would",
                            description="Load every landing file under DIR/<table>/ (Parquet, CSV, TSV or JSONL): "
                            "good rows load, bad rows go to ingest_quarantine with their reasons, a file that "
                            "cannot be read fails whole. Exits 1 when any file failed.")
    ingest.add_argument("directory", nargs="?", metavar="DIR",
                        help=f"the landing folder (default: $COCKPIT_LANDING_DIR, else {landing_dir()})")
    ingest.set_defaults(func=cmd_ingest)

    restore = sub.add_parser("restore", help="bring archived rows of a table back for [start, end]")
    restore.add_argument("--table", required=True, help="the archived table, e.g. usage_events")
    restore.add_argument("--start", required=True, help="first UTC day, YYYY-MM-DD")
    restore.add_argument("--end", required=True, help="last UTC day (inclusive), YYYY-MM-DD")
    restore.set_defaults(func=cmd_restore)

    backup = sub.add_parser("backup", help="a verified full backup of the warehouse now / restore one elsewhere",
                            description="`cockpit backup` (or `backup now`): today's full backup (pg_dump / "
                            "mariadb-dump under $COCKPIT_BACKUP_URL, with a manifest beside it), verified by a restore "
                            "into a scratch database. `cockpit backup restore`: a backup restored into an empty "
                            "database.")
    backup.set_defaults(func=cmd_backup)
    backup_actions = backup.add_subparsers(dest="action", metavar="{now,restore}")
    backup_actions.add_parser("now", help="today's verified full backup (the default)")
    backup_restore = backup_actions.add_parser(
        "restore", help="restore a backup into an empty database and compare every table",
        description="Restore a backup into the empty database --to and compare every table's row count and "
        "content digest with the backup's snapshot; exit 0 only when all are identical. --date finds the newest "
        "backup of a day through the warehouse's warehouse_backups; --file needs no warehouse at all (the archive "
        "or its manifest, <archive>.manifest.json, which must lie beside it).")
    which = backup_restore.add_mutually_exclusive_group(required=True)
    which.add_argument("--date", help="the newest backup of this day, YYYY-MM-DD, as the warehouse recorded it")
    which.add_argument("--file", metavar="PATH", help="this archive, or its manifest (when the warehouse is lost)")
    backup_restore.add_argument("--to", metavar="URL", required=True,
                                help="an empty database (SQLAlchemy URL, same engine family)")

    bench = sub.add_parser("bench", help=BENCH_HELP, add_help=False)  # its own parser reads the arguments
    bench.set_defaults(func=cmd_bench, bench_args=[])

    db = sub.add_parser("db", help="the embedded PostgreSQL: start, stop, status, url")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(func=cmd_db)

    ui = sub.add_parser("ui", help="open the Dagster UI (dagster dev) on this project's instance")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return parser


def answer_stop_signals() -> None:
    """Let SIGINT and SIGTERM stop `cockpit` even when it was started with them ignored (a script's
    background job ignores SIGINT; a parent that ran Dagster in process ignores SIGTERM too). Dagster
    gives SIGTERM whatever handles SIGINT, and the `tail -F` processes of its compute-log capture inherit
    an ignored SIGTERM: each step then waits 2 x 30 s for them to exit."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        args.bench_args = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    answer_stop_signals()
    if args.command == "migrate" and args.action == "down" and not args.to:
        print("cockpit migrate down needs --to VERSION", file=sys.stderr)
        return 2
    from cockpit_pipelines.contracts import ContractError
    from cockpit_pipelines.engines import UnsupportedEngineError, WarehouseUnreachable
    from cockpit_pipelines.migrations import MigrationError
    from cockpit_pipelines.settings import MissingPackageData

    try:
        return int(args.func(args) or 0)
    except (MigrationError, ContractError, MissingPackageData, UnsupportedEngineError, WarehouseUnreachable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The `cockpit` console script."""
    sys.exit(main())

