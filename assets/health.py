"""Operations: the warehouse's health as a daily snapshot (seed 002 "Monitoring and Observability", seed
000's post-deployment checklist), with warning checks.

`health/warehouse` reads the engine's statistics (cockpit_pipelines/health.py: index usage, table sizes,
dead tuples and vacuums, hit ratios, top statements) into `db_health_snapshots`, `db_health_tables` and
`db_health_indexes`, and puts the figures in its materialization's metadata, which the UI plots across
partitions. Its checks read those tables only, against `policies/db_health.yaml`: index hit ratio, indexes
unused for 30 days of snapshots, dead tuples. The 04:30 UTC schedule (schedules.py) takes yesterday's
snapshot; materializing a partition from the UI takes one on demand (it replaces that day's).
"""


from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import dagster as dg
import polars as pl

from cockpit_pipelines.assets.schema import schema_key
from cockpit_pipelines.freshness import freshness_policy
from cockpit_pipelines.health import (
    INDEXES,
    SNAPSHOTS,
    STATEMENT_COLUMNS,
    TABLE_COLUMNS,
    TABLES,
    HealthPolicy,
    Snapshot,
    dead_tuple_tables,
    judge_unused,
    load_policy,
    read_history,
    rows_frame,
    take_snapshot,
)
from cockpit_pipelines.partitions import daily_partitions, partition_window
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.windows import Window

GROUP = "operations"
OWNERS = ["team:data-platform"]
HEALTH_KEY = dg.AssetKey(["health", "warehouse"])
TOP_ROWS = 10


@dg.multi_asset(
    name="health_warehouse",
    specs=[dg.AssetSpec(
        key=HEALTH_KEY,
        deps=[schema_key("operations")],
        group_name=GROUP,
        kinds={"sql", "postgres", "mysql"},
        owners=OWNERS,
        tags={"domain": "operations"},
        description="Daily snapshot of the warehouse's health: index usage (indexes never scanned listed), table "
        "sizes, dead tuples and last (auto)vacuum, index and table hit ratios, top statements by total time "
        "(pg_stat_statements, or performance_schema on the MySQL family), in db_health_snapshots / _tables / "
        "_indexes. Metrics an engine lacks are named in `not_measured`.",
        metadata={"dagster/table_name": SNAPSHOTS, "tables": dg.MetadataValue.json([SNAPSHOTS, TABLES, INDEXES])},
        freshness_policy=freshness_policy(HEALTH_KEY, GROUP),
    )],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def health_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Read the statistics now and record them under the run's partition (a range: under its last day,
    since statistics can only be read as they are now)."""
    day = Window.from_context(context).days[-1]
    engine = warehouse.engine
    snapshot = take_snapshot(engine, load_policy())
    frames = snapshot.frames(day, context.run.run_id)
    with engine.transaction() as conn:
        for table in (SNAPSHOTS, TABLES, INDEXES):
            engine.replace_in(conn, table, frames[table], delete_where="snapshot_date = :day", params={"day": day})
    for note in snapshot.notes:
        context.log.info(note)
    context.log.info(f"health snapshot of {day}: {snapshot.tables.height} tables, {snapshot.indexes.height} indexes"
                     + "".join(f"; {metric} not measured ({why})" for metric, why in snapshot.not_measured.items()))
    return dg.MaterializeResult(metadata=snapshot_metadata(snapshot, day))


def _table(frame: pl.DataFrame) -> dg.TableMetadataValue:
    """A frame as a metadata table (instants as ISO text)."""
    frame = frame.with_columns(pl.col(pl.Datetime).dt.to_string("%Y-%m-%d %H:%M:%S"))
    kinds = {pl.Int64: "int", pl.Int32: "int", pl.Float64: "float", pl.Boolean: "bool"}
    return dg.MetadataValue.table(
        records=[dg.TableRecord(row) for row in frame.iter_rows(named=True)],
        schema=dg.TableSchema(columns=[dg.TableColumn(name, kinds.get(dtype, "string"))
                                       for name, dtype in frame.schema.items()]),
    )


def snapshot_metadata(snapshot: Snapshot, day: date) -> dict[str, Any]:
    """The figures the UI plots across partitions, and tables of the largest tables, the indexes never
    scanned and the top statements."""
    summary = snapshot.summary_row(day, None)
    metadata: dict[str, Any] = {
        "snapshot_date": dg.MetadataValue.text(day.isoformat()),
        "taken_at": dg.MetadataValue.text(snapshot.taken_at.isoformat(sep=" ")),
        "engine": dg.MetadataValue.text(f"{snapshot.engine} {snapshot.engine_version}"),
        "stats_reset": dg.MetadataValue.text(snapshot.stats_reset.isoformat(sep=" ") if snapshot.stats_reset
                                             else "never"),
        "table_count": dg.MetadataValue.int(summary["table_count"]),
        "index_count": dg.MetadataValue.int(summary["index_count"]),
        "statements_available": dg.MetadataValue.bool(summary["statements_available"]),
    }
    for name in ("total_bytes", "live_tuples", "dead_tuples", "zero_scan_indexes"):
        if summary[name] is not None:
            metadata[name] = dg.MetadataValue.int(summary[name])
    for name in ("index_hit_ratio", "table_hit_ratio", "buffer_hit_ratio"):
        if summary[name] is not None:
            metadata[name] = dg.MetadataValue.float(round(summary[name], 6))
    if summary["live_tuples"] and summary["dead_tuples"] is not None:
        metadata["dead_share"] = dg.MetadataValue.float(
            round(summary["dead_tuples"] / (summary["live_tuples"] + summary["dead_tuples"]), 6))
    largest = snapshot.tables.sort("total_bytes", descending=True, nulls_last=True).head(TOP_ROWS)
    metadata["largest_tables"] = _table(largest.select(
        "table_name", "total_bytes", "live_tuples", "dead_tuples", "last_vacuum", "last_autovacuum", "last_analyze",
        "last_autoanalyze"))
    if summary["zero_scan_indexes"] is not None:
        metadata["zero_scan_index_list"] = _table(
            snapshot.zero_scan_indexes().select("table_name", "index_name", "size_bytes")
            .sort("size_bytes", descending=True, nulls_last=True))
    if snapshot.statements is not None:
        statements = pl.DataFrame(snapshot.statements, schema={
            "statement_id": pl.String, "query": pl.String, "calls": pl.Int64, "total_ms": pl.Float64,
            "mean_ms": pl.Float64, "rows": pl.Int64}).select(STATEMENT_COLUMNS)
        metadata["top_statements"] = _table(statements)
        metadata["top_statements_total_ms"] = dg.MetadataValue.float(float(statements["total_ms"].sum()))
    if snapshot.not_measured:
        metadata["not_measured"] = dg.MetadataValue.json(snapshot.not_measured)
    return metadata


# --- checks --------------------------------------------------------------------------------------


def _snapshot_day(context: dg.AssetCheckExecutionContext) -> date:
    return partition_window(context).days[-1]


def _summary(warehouse: WarehouseResource, day: date) -> Mapping[str, Any] | None:
    rows = warehouse.query(f"SELECT engine, index_hit_ratio, buffer_hit_ratio FROM {SNAPSHOTS} "
                           "WHERE snapshot_date = :day", {"day": day})
    return dict(zip(("engine", "index_hit_ratio", "buffer_hit_ratio"), rows[0], strict=True)) if rows else None


def _missing(day: date) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                               description=f"no health snapshot for {day}: materialize health/warehouse for it first",
                               metadata={"snapshot_date": day.isoformat()})


def hit_ratio_result(summary: Mapping[str, Any], day: date, policy: HealthPolicy) -> dg.AssetCheckResult:
    """Index hit ratio >= the policy's minimum; on the MySQL family the buffer pool's ratio stands for it."""
    value, source = summary["index_hit_ratio"], "index blocks (pg_statio_user_tables)"
    if value is None and summary["engine"] != "postgresql":
        value, source = summary["buffer_hit_ratio"], "the InnoDB buffer pool (rows and indexes share it)"
    metadata: dict[str, Any] = {"snapshot_date": day.isoformat(), "minimum": dg.MetadataValue.float(
        policy.min_index_hit_ratio), "measured_on": source}
    if value is None:
        return dg.AssetCheckResult(passed=True, severity=dg.AssetCheckSeverity.WARN, metadata=metadata,
                                   description="no index block read since the statistics were reset: nothing to judge")
    metadata["index_hit_ratio"] = dg.MetadataValue.float(round(float(value), 6))
    passed = float(value) >= policy.min_index_hit_ratio
    return dg.AssetCheckResult(
        passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata=metadata,
        description=f"index hit ratio {float(value):.2%} {'>=' if passed else '<'} {policy.min_index_hit_ratio:.0%}"
        + ("" if passed else ": the working set does not fit the buffer cache (shared_buffers / "
           "innodb_buffer_pool_size), or scans read more than they should"))


@dg.asset_check(asset=HEALTH_KEY, name="index_hit_ratio", blocking=False,
                description="The snapshot's index hit ratio is at least index_hit_ratio.min of policies/db_health.yaml "
                "(seed 000: above 95%). Warning only.")
def index_hit_ratio_check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    day = _snapshot_day(context)
    summary = _summary(warehouse, day)
    return hit_ratio_result(summary, day, load_policy()) if summary else _missing(day)


def unused_result(verdicts: Sequence, day: date, policy: HealthPolicy) -> dg.AssetCheckResult:
    unused = [v for v in verdicts if v.status == "unused"]
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.status] = counts.get(v.status, 0) + 1
    present = {(v.table, v.index) for v in verdicts}
    stale = [f"{k.table}.{k.index}" for k in policy.keep if (k.table, k.index) not in present]
    listing = pl.DataFrame([{"table_name": v.table, "index_name": v.index, "size_bytes": v.size_bytes,
                             "unused_since": v.since.isoformat() if v.since else None} for v in unused],
                           schema={"table_name": pl.String, "index_name": pl.String, "size_bytes": pl.Int64,
                                   "unused_since": pl.String})
    metadata: dict[str, Any] = {
        "snapshot_date": day.isoformat(), "days": policy.unused_days,
        "unused": dg.MetadataValue.int(len(unused)), "unused_indexes": _table(listing),
        "verdicts": dg.MetadataValue.json(counts),
        "kept_on_purpose": dg.MetadataValue.json({f"{v.table}.{v.index}": v.reason for v in verdicts
                                                  if v.status == "kept"}),
        "not_judged_yet": dg.MetadataValue.json({f"{v.table}.{v.index}": v.reason for v in verdicts
                                                 if v.status in ("young", "reset")}),
    }
    if stale:
        metadata["kept_but_not_found"] = dg.MetadataValue.json(stale)
    if unused:
        description = (f"{len(unused)} index(es) without a scan for {policy.unused_days} days of snapshots: "
                       + ", ".join(f"{v.table}.{v.index}" for v in unused[:TOP_ROWS])
                       + ("…" if len(unused) > TOP_ROWS else "")
                       + ". Drop them, or list them under unused_indexes.keep with a reason.")
    elif "not_measured" in counts and not {"used", "young", "reset"} & counts.keys():
        description = "index scans are not measured on this engine (see the snapshot's not_measured)"
    else:
        description = (f"no index unused for {policy.unused_days} days of snapshots ({counts.get('used', 0)} used, "
                       f"{counts.get('young', 0) + counts.get('reset', 0)} not judged yet)")
    return dg.AssetCheckResult(passed=not unused, severity=dg.AssetCheckSeverity.WARN, description=description,
                               metadata=metadata)


@dg.asset_check(asset=HEALTH_KEY, name="unused_indexes", blocking=False,
                description="No index goes without a scan between two snapshots taken unused_indexes.days (30) days "
                "apart, unless policies/db_health.yaml keeps it with a reason. Indexes younger than that, or whose "
                "counters were reset in between, are not judged yet; primary keys and unique indexes never. "
                "Warning only.")
def unused_indexes_check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    day, policy = _snapshot_day(context), load_policy()
    snapshots, history = read_history(warehouse.engine, day, policy)
    if snapshots.filter(pl.col("snapshot_date") == day).is_empty():
        return _missing(day)
    return unused_result(judge_unused(history, snapshots, day, policy), day, policy)


def dead_tuples_result(tables: pl.DataFrame, day: date, policy: HealthPolicy) -> dg.AssetCheckResult:
    metadata: dict[str, Any] = {"snapshot_date": day.isoformat(),
                                "max_share": dg.MetadataValue.float(policy.max_dead_share),
                                "min_dead_rows": policy.min_dead_rows}
    if tables["dead_tuples"].null_count() == tables.height:
        return dg.AssetCheckResult(passed=True, severity=dg.AssetCheckSeverity.WARN, metadata=metadata,
                                   description="dead tuples are not measured on this engine (InnoDB purges old row "
                                   "versions itself)")
    over = dead_tuple_tables(tables, policy)
    metadata["tables_over"] = _table(over.with_columns(pl.col("dead_share").round(4)))
    if over.is_empty():
        description = f"every table's dead tuples are within {policy.max_dead_share:.0%}"
    else:
        description = (f"{over.height} table(s) with more than {policy.max_dead_share:.0%} dead tuples: "
                       + ", ".join(f"{t} ({share:.0%})" for t, share in over.select("table_name", "dead_share").rows())
                       + ". Autovacuum is not keeping up: VACUUM them, or tune their autovacuum settings.")
    return dg.AssetCheckResult(passed=over.is_empty(), severity=dg.AssetCheckSeverity.WARN,
                               description=description, metadata=metadata)


@dg.asset_check(asset=HEALTH_KEY, name="dead_tuples", blocking=False,
                description="Each table's dead tuples stay under dead_tuples.max_share of its tuples (tables with "
                "fewer than min_dead_rows dead tuples aside), as policies/db_health.yaml says. Warning only.")
def dead_tuples_check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    day = _snapshot_day(context)
    columns = ["table_name", "live_tuples", "dead_tuples", "last_vacuum", "last_autovacuum"]
    rows = warehouse.query(f"SELECT {', '.join(columns)} FROM {TABLES} WHERE snapshot_date = :day", {"day": day})
    if not rows and _summary(warehouse, day) is None:
        return _missing(day)
    tables = rows_frame(rows, {c: TABLE_COLUMNS[c] for c in columns})
    return dead_tuples_result(tables, day, load_policy())


health_assets = [health_warehouse]
health_checks = [index_hit_ratio_check, unused_indexes_check, dead_tuples_check]
