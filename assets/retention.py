"""Retention: one archival asset per policy of `cockpit_pipelines/policies/retention.yaml`, and the upkeep of
future monthly partitions.

An archival asset (`archive/<table>`) runs its table's policy with the archiver (cockpit_pipelines/archive):
due rows become verified Parquet batches under COCKPIT_ARCHIVE_URL, then leave the table. It depends on
the table, on the daily assets that must have built a day before its raw rows may go, and on the
archival of the tables that reference it (children are archived first). `retention_job` (jobs.py) runs
them all; the 03:00 UTC schedule and the retention-pressure sensor start it.
"""

from datetime import date, datetime

import dagster as dg
import polars as pl
from pydantic import Field

from cockpit_pipelines.archive import Archiver, load_settings
from cockpit_pipelines.archive.policies import Policy
from cockpit_pipelines.assets.common import markdown_table
from cockpit_pipelines.assets.raw import raw_key
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.freshness import freshness_policy
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.utc import now_utc, parse_instant, today_utc

GROUP = "retention"
OWNERS = ["team:data-platform"]
RETENTION_TAGS = {"cockpit/kind": "retention"}

# The policies the file declares (the environment can switch one off per run, not remove its asset).
FILE_POLICIES: list[Policy] = list(load_settings(environ={}).policies)


class ArchiveConfig(dg.Config):
    """Run configuration of an archival asset."""

    as_of: str | None = Field(
        default=None,
        description="ISO instant the cutoff counts back from (naive = UTC). Default: when the step starts; "
        "the 03:00 UTC schedule sets its tick, so a re-execution archives against the same cutoff.",
    )
    keep: str | None = Field(default=None, description="Override the policy's keep for this run (e.g. 45d, 2y), "
                             "or `off`. Default: retention.yaml, then COCKPIT_RETENTION_<TABLE>.")
    dry_run: bool = Field(default=False, description="Only report what would be archived.")


def archive_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["archive", table])


def table_key(table: str) -> dg.AssetKey:
    """The asset of the table a policy archives: `raw/<table>` for raw tables, else the derived table's asset."""
    return raw_key(table) if contracts().table(table).kind == "raw" else dg.AssetKey(table)


def archive_op_name(table: str) -> str:
    return archive_key(table).to_python_identifier()


def _children(policy: Policy) -> list[str]:
    """Tables with a policy whose rows reference `policy`'s table: archived before it."""
    return [p.table for p in FILE_POLICIES if policy.table in contracts().table(p.table).parents(soft=True)]


def run_config(as_of: datetime | None = None, tables: list[str] | None = None) -> dict:
    """retention_job run configuration: every (or the given) archival asset's `as_of`."""
    config = {"as_of": as_of.isoformat()} if as_of else {}
    return {"ops": {archive_op_name(p.table): {"config": dict(config)}
                    for p in FILE_POLICIES if tables is None or p.table in tables}}


def build_archive_asset(policy: Policy) -> dg.AssetsDefinition:
    table = policy.table
    deps = [table_key(table), *(dg.AssetKey(name) for name in policy.requires_built),
            *(archive_key(child) for child in _children(policy))]

    @dg.asset(
        key=archive_key(table),
        deps=deps,
        group_name=GROUP,
        kinds={"parquet", "polars"},
        owners=OWNERS,
        tags={"domain": "operations"},
        description=f"Retention of {table} ({policy.describe()}): due rows archived to Parquet under "
        "COCKPIT_ARCHIVE_URL, verified, recorded in archive_manifest, then deleted"
        + (" (days only once built by " + ", ".join(policy.requires_built) + ")" if policy.requires_built else "")
        + ("; owners notified in provenance_expiry_notifications" if policy.notify else "") + ".",
        metadata={"dagster/table_name": table, "retention/policy": policy.describe()},
        freshness_policy=freshness_policy(archive_key(table), GROUP),
    )
    def _archive(context: dg.AssetExecutionContext, config: ArchiveConfig,
                 warehouse: WarehouseResource) -> dg.MaterializeResult:
        retention = load_settings()
        if config.keep:
            retention = retention.with_keep({table: config.keep})
        chosen = retention.policy(table)
        now = parse_instant(config.as_of) or now_utc()
        if not chosen.enabled:
            context.log.info(f"{table}: retention is switched off ({chosen.source})")
            return dg.MaterializeResult(metadata={"enabled": False, "as_of": now.isoformat()})
        with Archiver(warehouse.engine, now=now, run_id=context.run.run_id, log=context.log.info,
                      progress=False) as archiver:
            if config.dry_run:
                plan = archiver.plan(chosen)
                context.log.info(plan.summary())
                return dg.MaterializeResult(metadata={
                    "dry_run": True, "cutoff": plan.cutoff.isoformat(), "rows_due": plan.rows,
                    "batches_due": len(plan.batches), "summary": plan.summary(),
                })
            result = archiver.run(chosen)
        context.log.info(result.summary())
        days = sorted(result.days)
        metadata = {
            "cutoff": dg.MetadataValue.text(result.cutoff.isoformat()),
            "keep": dg.MetadataValue.text(chosen.describe() + f" (from {chosen.source})"),
            "rows_archived": dg.MetadataValue.int(result.rows),
            "batches": dg.MetadataValue.int(result.batches),
            "bytes_written": dg.MetadataValue.int(result.bytes),
            "first_day": dg.MetadataValue.text(days[0].isoformat() if days else ""),
            "last_day": dg.MetadataValue.text(days[-1].isoformat() if days else ""),
            "partitions_dropped": dg.MetadataValue.json(result.partitions_dropped),
            "rows_per_second": dg.MetadataValue.float(round(result.rows_per_second, 1)),
            "interrupted_batches_finished": dg.MetadataValue.int(result.resumed),
            "notifications": dg.MetadataValue.int(result.notifications),
            "summary": dg.MetadataValue.text(result.summary()),
        }
        if result.blocked:
            waiting = pl.DataFrame({"day": [b.day for b in result.blocked],
                                    "reason": [b.reason for b in result.blocked]})
            metadata["days_waiting"] = dg.MetadataValue.md(markdown_table(waiting, rows=None))
        return dg.MaterializeResult(metadata=metadata)

    return _archive


archive_assets = [build_archive_asset(p) for p in FILE_POLICIES]


# --- future partitions ---------------------------------------------------------------------------


class PartitionConfig(dg.Config):
    start: str | None = Field(default=None, description="First month (YYYY-MM). Default: the current UTC month.")
    months_ahead: int | None = Field(default=None, description="Months after it to create. Default: "
                                     "partitions.premake_months of retention.yaml.")


def premake_months(start: str | None, months_ahead: int | None, today: date | None = None) -> tuple[date, date]:
    """The months whose partitions to create: [first day of the start month, last day of the month
    `months_ahead` later]."""
    today = today or today_utc()
    first = date.fromisoformat(f"{start}-01") if start else today.replace(day=1)
    ahead = load_settings().premake_months if months_ahead is None else months_ahead
    month = first.month - 1 + ahead + 1
    following = date(first.year + month // 12, month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


@dg.op(description="Create the monthly partitions of every range-partitioned table (PostgreSQL) for the "
       "current month and the next partitions.premake_months ones, pg_partman-style (rows of those months "
       "move out of the DEFAULT partition).")
def create_future_partitions(context: dg.OpExecutionContext, config: PartitionConfig,
                             warehouse: WarehouseResource) -> list[str]:
    first, last = premake_months(config.start, config.months_ahead)
    created = []
    for table in contracts().tables_of_kind("raw"):
        if table.partitioned:
            created += warehouse.engine.ensure_month_partitions(table.name, first, last)
    context.log.info(f"months {first:%Y-%m} .. {last:%Y-%m}: created {len(created)} partition(s) {created}")
    return created

