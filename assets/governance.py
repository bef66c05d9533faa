"""Governance: the metadata compliance scan, and compliance_scores, one row per UTC day and active
metadata standard.

`metadata_compliance_scan` applies the active `metadata_standards` to the platform's own data (as
configured in `policies/compliance_scan.yaml`) and records new violations in `metadata_violations`.

compliance_scores is the seed-001 compliance dashboard query, evaluated as of the end of each day:
violations detected before D+1, of which open are those with status `open` or resolved on/after D+1.
"""

import fnmatch
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from cockpit_pipelines import builds
from cockpit_pipelines.assets.common import (
    DAY,
    analytics_asset,
    conform,
    exact_ratio,
    materialize_result,
    record_partition_builds,
    replace_window,
    source_stats,
)
from cockpit_pipelines.assets.raw import raw_key
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.engines.sqltext import quote_identifier, sql_literal
from cockpit_pipelines.freshness import freshness_policy
from cockpit_pipelines.partitions import WAREHOUSE_POOL, daily_backfill_policy, daily_partitions, partition_window
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import POLICIES_DIR, read_yaml
from cockpit_pipelines.utc import naive_utc
from cockpit_pipelines.windows import Window

TABLE = "compliance_scores"
SOURCE = builds.VIOLATIONS
STANDARDS_KEY = dg.AssetKey(["raw", "metadata_standards"])
SCAN_KEY = dg.AssetKey("metadata_compliance_scan")  # records the platform's own violations first
SCAN_GROUP = "governance"

RATE = pl.Decimal(5, 2)

STANDARD_COLUMNS: dict[str, pl.DataType] = {
    "standard_id": pl.String,
    "category": pl.String,
    "standard_name": pl.String,
    "enforcement_level": pl.String,
}

VIOLATION_COLUMNS: dict[str, pl.DataType] = {
    "standard_id": pl.String,
    "status": pl.String,
    "detected_at": pl.Datetime("us"),
    "resolved_at": pl.Datetime("us"),
}

COMPLIANCE_COLUMNS: dict[str, pl.DataType] = {
    "score_date": pl.Date,
    **STANDARD_COLUMNS,
    "violation_count": pl.Int64,
    "open_violations": pl.Int64,
    "compliance_rate": RATE,
}


def read_active_standards(warehouse: WarehouseResource) -> pl.DataFrame:
    return warehouse.read_frame(
        "SELECT id AS standard_id, category, standard_name, enforcement_level "
        "FROM metadata_standards WHERE is_active = TRUE"
    )


def read_violations(warehouse: WarehouseResource, before: datetime) -> pl.DataFrame:
    """Every violation detected before `before`: the history each day's score accumulates."""
    return warehouse.read_frame(
        "SELECT standard_id, status, detected_at, resolved_at FROM metadata_violations WHERE detected_at < :end",
        {"end": before},
    )


def compute_compliance_scores(
    standards: pl.DataFrame, violations: pl.DataFrame, days: Sequence[date]
) -> pl.DataFrame:
    """For every day D in `days` (consecutive) and active standard: the violations as of the end of D.

    Each violation adds +1 to violation_count from its detection day on, and +1 to open_violations
    over [detection day, resolution day) — forever when `open`, never when `suppressed` or resolved
    without a resolved_at. Daily deltas are summed cumulatively, so the cost does not grow with
    violations times days.
    """
    first, end = days[0], days[-1] + DAY
    detected = pl.col("detected_at").dt.date()
    resolved = pl.col("resolved_at").dt.date()
    status = pl.col("status")
    closes = ((status == "resolved") & (resolved > detected)).fill_null(False)
    opens = (status == "open") | closes
    history = conform(violations, VIOLATION_COLUMNS).filter(detected < end)
    deltas = (
        pl.concat(
            [
                history.select("standard_id", day=detected, d_count=pl.lit(1, pl.Int64), d_open=opens.cast(pl.Int64)),
                history.filter(closes).select("standard_id", day=resolved, d_count=pl.lit(0, pl.Int64),
                                              d_open=pl.lit(-1, pl.Int64)),
            ]
        )
        .with_columns(day=pl.max_horizontal("day", pl.lit(first)))  # history before the window: at its start
        .filter(pl.col("day") < end)
        .group_by("standard_id", "day")
        .agg(pl.col("d_count").sum(), pl.col("d_open").sum())
    )
    calendar = pl.LazyFrame({"score_date": list(days)}, schema={"score_date": pl.Date})
    count = pl.col("violation_count")
    open_ = pl.col("open_violations")
    return (
        conform(standards, STANDARD_COLUMNS)
        .join(calendar, how="cross")
        .join(deltas, left_on=["standard_id", "score_date"], right_on=["standard_id", "day"], how="left")
        .with_columns(pl.col("d_count", "d_open").fill_null(0))
        .with_columns(
            violation_count=pl.col("d_count").cum_sum().over("standard_id", order_by="score_date"),
            open_violations=pl.col("d_open").cum_sum().over("standard_id", order_by="score_date"),
        )
        .with_columns(
            compliance_rate=pl.when(count == 0)
            .then(pl.lit(Decimal("100.00"), dtype=RATE))
            .otherwise(exact_ratio((count - open_) * 100, count, RATE))
        )
        .select(list(COMPLIANCE_COLUMNS))
        .sort("score_date", "standard_id")
        .collect()
    )


@analytics_asset(
    TABLE,
    deps=[SOURCE.key, STANDARDS_KEY, SCAN_KEY],
    description="Daily compliance per active metadata standard (seed 001 compliance query, as of the end "
    "of each UTC day): violations so far, those still open, compliance rate.",
)
def compliance_scores_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    window = Window.from_context(context)
    standards = read_active_standards(warehouse)
    violations = read_violations(warehouse, window.end)
    scores = compute_compliance_scores(standards, violations, window.days)
    written = replace_window(warehouse, TABLE, scores, column="score_date", window=window, dates=True)
    in_window = violations.filter(pl.col("detected_at") >= window.start)
    stats = source_stats(in_window, SOURCE, window.days)
    record_partition_builds(warehouse, context.asset_key, stats, window, context.run.run_id)
    context.log.info(f"{TABLE}: {len(window.days)} days x {standards.height} active standards from "
                     f"{violations.height} violations")
    return materialize_result(
        window,
        rows_written=written,
        source_rows=violations.height,
        preview=scores.sort("compliance_rate", "score_date").head(10),
        trend=scores.group_by("score_date").agg(
            open_violations=pl.col("open_violations").sum(), violations=pl.col("violation_count").sum()
        ).sort("score_date"),
        extra={"active_standards": dg.MetadataValue.int(standards.height)},
    )


# --- metadata compliance scan --------------------------------------------------------------------

SCAN_POLICY = POLICIES_DIR / "compliance_scan.yaml"
SCAN_KINDS = ("column", "json", "names")
VIOLATIONS = "metadata_violations"
# Violation ids are uuid5(namespace, standard, resource, value): the same finding is recorded once.
VIOLATION_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "cockpit_pipelines/metadata_violations")
_JSON_STRING = r'"(?:[^"\\]|\\.)*"\s*:?'  # a JSON string literal, with the colon when it is a key


@dataclass(frozen=True)
class ScanTarget:
    """Where a standard is applied: a text column, the strings inside a JSON column, or the contract names."""

    kind: str
    table: str | None = None
    column: str | None = None
    id_column: str | None = None
    time_column: str | None = None
    resource_type: str | None = None
    candidate: str | None = None

    @property
    def label(self) -> str:
        return "contract names" if self.kind == "names" else f"{self.table}.{self.column}"


@dataclass(frozen=True)
class ScanRule:
    """The standards (id patterns) applied to some targets."""

    standards: tuple[str, ...]
    targets: tuple[ScanTarget, ...]

    def applies_to(self, standard_id: str) -> bool:
        return any(fnmatch.fnmatchcase(standard_id, pattern) for pattern in self.standards)


def load_scan_policy(path: Path = SCAN_POLICY) -> list[ScanRule]:
    """The scan rules of `policies/compliance_scan.yaml`, checked against the contracts."""
    rules = []
    for rule in read_yaml(path)["rules"]:
        targets = tuple(ScanTarget(**target) for target in rule["targets"])
        for target in targets:
            if target.kind not in SCAN_KINDS:
                raise ValueError(f"{path.name}: target kind must be one of {SCAN_KINDS}, not {target.kind!r}")
            if target.kind != "names":
                table = contracts().table(target.table or "")
                for column in (target.column, target.id_column, target.time_column):
                    if column is not None:
                        table.column(column)
                if not target.column or not target.id_column:
                    raise ValueError(f"{path.name}: {target.label} needs column and id_column")
        rules.append(ScanRule(tuple(rule["standards"]), targets))
    return rules


def ascii_digits(pattern: str) -> str:
    r"""`pattern` with `\d` (and `\D`) as ASCII digits, as TiDB's and PostgreSQL's regexes read them.

    Rust's regex (Polars) takes `\d` as any Unicode digit.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if escaped == "d":
                out.append("0-9" if in_class else "[0-9]")
            elif escaped == "D" and not in_class:
                out.append("[^0-9]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def scan_values(warehouse: WarehouseResource, target: ScanTarget, window: Window) -> pl.DataFrame:
    """resource_type, resource_id, value, detected_at of every value the target holds (in the window)."""
    columns = {"resource_type": pl.String, "resource_id": pl.String, "value": pl.String,
               "detected_at": pl.Datetime("us")}
    if target.kind == "names":
        names = [("table", t.name, t.name) for t in contracts().tables.values()]
        names += [("column", f"{t.name}.{c.name}", c.name) for t in contracts().tables.values() for c in t.columns]
        frame = pl.DataFrame(names, schema=["resource_type", "resource_id", "value"], orient="row")
        return frame.with_columns(detected_at=pl.lit(window.start)).cast(columns)
    family = warehouse.engine_family()
    value, ident = quote_identifier(target.column or "", family), quote_identifier(target.id_column or "", family)
    moment = quote_identifier(target.time_column, family) if target.time_column else sql_literal(window.start, family)
    sql = f"SELECT {ident} AS resource_id, {value} AS value, {moment} AS detected_at FROM {target.table} " \
          f"WHERE {value} IS NOT NULL"
    if target.time_column:
        sql += f" AND {moment} >= :start AND {moment} < :end"
    frame = warehouse.read_frame(sql, {"start": window.start, "end": window.end})
    frame = frame.with_columns(resource_type=pl.lit(target.resource_type or target.table)).cast(
        {"resource_id": pl.String, "value": pl.String}
    )
    if target.kind == "json":
        frame = (
            frame.with_columns(pl.col("value").str.extract_all(_JSON_STRING))
            .explode("value")
            .filter(pl.col("value").is_not_null() & ~pl.col("value").str.ends_with(":"))
            .with_columns(pl.col("value").str.strip_chars().str.slice(1).str.strip_suffix('"'))
        )
        if target.candidate:
            frame = frame.filter(pl.col("value").str.contains(ascii_digits(target.candidate)))
    return frame.select(list(columns)).cast(columns)


def suggest_fix(category: str, value: str) -> str | None:
    """A compliant spelling of `value` for the standard's category, when one is obvious."""
    if category == "temporal":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        moment = naive_utc(moment)
        fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
        return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}Z"
    if category == "nomenclature":
        words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value)
        return re.sub(r"[^0-9A-Za-z]+", "_", words).strip("_").lower() or None
    if category == "versioning" and (m := re.fullmatch(r"[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?", value.strip())):
        return f"{m[1]}.{m[2] or 0}.{m[3] or 0}"
    return None


def find_violations(values: pl.DataFrame, standard: Mapping[str, Any]) -> pl.DataFrame:
    """The values that do not match the standard's pattern, as new metadata_violations rows."""
    pattern = ascii_digits(standard["pattern_regex"])
    try:
        bad = values.filter(~pl.col("value").str.contains(pattern))
    except pl.exceptions.ComputeError as exc:
        raise ValueError(f"metadata_standards {standard['id']}: pattern_regex {standard['pattern_regex']!r} "
                         f"is not a regex Polars (Rust regex) can apply: {exc}") from exc
    fixes = pl.Series([suggest_fix(standard["category"], v) for v in bad["value"]], dtype=pl.String)
    keys = zip(bad["resource_type"], bad["resource_id"], bad["value"], strict=True)
    ids = [str(uuid.uuid5(VIOLATION_NAMESPACE, "\x1f".join((standard["id"], *key)))) for key in keys]
    return bad.select(
        id=pl.Series(ids, dtype=pl.String),
        standard_id=pl.lit(standard["id"]),
        resource_type="resource_type",
        resource_id="resource_id",
        violation_value="value",
        # a fix is offered only when it complies; otherwise the standard's own message
        suggested_fix=pl.when(fixes.str.contains(pattern)).then(fixes).otherwise(
            pl.lit(standard["validation_message"], dtype=pl.String)
        ),
        status=pl.lit("open"),
        detected_at="detected_at",
        auto_fix_applied=pl.lit(False),
    ).unique("id", keep="first", maintain_order=True)


def record_violations(warehouse: WarehouseResource, violations: pl.DataFrame) -> int:
    """Insert the violations whose id is not recorded yet; returns how many were inserted."""
    if violations.is_empty():
        return 0
    engine = warehouse.engine
    lock = engine.connect()  # held while reading and inserting: concurrent scans insert one after the other
    try:
        with engine.advisory_lock(lock, f"cockpit_pipelines:{VIOLATIONS}"):
            ids = violations["id"].to_list()
            recorded: set[str] = set()
            for i in range(0, len(ids), 500):
                listed = ", ".join(sql_literal(v, engine.family) for v in ids[i : i + 500])
                rows = warehouse.query(f"SELECT id FROM {VIOLATIONS} WHERE id IN ({listed})")
                recorded.update(str(row[0]) for row in rows)
            new = violations.filter(~pl.col("id").is_in(list(recorded)))
            if new.is_empty():
                return 0
            with engine.transaction() as conn:
                return engine.insert_frame(conn, VIOLATIONS, new)
    finally:
        lock.close()


def _scan_deps() -> list[dg.AssetKey]:
    tables = {t.table for rule in load_scan_policy() for t in rule.targets if t.table}
    return [raw_key(t) for t in sorted(tables) if contracts().table(t).kind == "raw"]


@dg.multi_asset(
    name="metadata_compliance_scan",
    specs=[
        dg.AssetSpec(
            key=SCAN_KEY,
            deps=_scan_deps(),
            description="Applies every active metadata standard to the platform's own data (policies/"
            "compliance_scan.yaml: JSON text timestamps, contract names, version columns) and records new "
            "violations in metadata_violations, once each, so that compliance_scores reflects them.",
            group_name=SCAN_GROUP,
            kinds={"polars", "sql"},
            owners=["team:data-platform"],
            metadata={"policy": dg.MetadataValue.path("cockpit_pipelines/policies/compliance_scan.yaml")},
            freshness_policy=freshness_policy(SCAN_KEY, SCAN_GROUP),
        )
    ],
    partitions_def=daily_partitions,
    backfill_policy=daily_backfill_policy(),
    pool=WAREHOUSE_POOL,
)
def metadata_compliance_scan(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Scan the window's values (and the untimed targets whole) and record the new violations."""
    window = partition_window(context)
    standards = warehouse.read_frame(
        "SELECT id, category, pattern_regex, validation_message FROM metadata_standards "
        "WHERE is_active = TRUE ORDER BY id"
    ).to_dicts()
    found: list[pl.DataFrame] = []
    report: list[dict[str, Any]] = []
    for rule in load_scan_policy():
        applied = [s for s in standards if rule.applies_to(s["id"])]
        if not applied:
            continue
        for target in rule.targets:
            values = scan_values(warehouse, target, window)
            for standard in applied:
                violations = find_violations(values, standard)
                found.append(violations)
                report.append({"standard": standard["id"], "target": target.label, "values": values.height,
                               "violations": violations.height})
    violations = pl.concat(found).unique("id", keep="first", maintain_order=True) if found else pl.DataFrame()
    recorded = record_violations(warehouse, violations)
    context.log.info(f"compliance scan {window}: {violations.height} violations, {recorded} new")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(recorded),
        "window": dg.MetadataValue.text(str(window)),
        "standards_applied": dg.MetadataValue.int(len({r["standard"] for r in report})),
        "values_scanned": dg.MetadataValue.int(sum(r["values"] for r in report)),
        "violations_found": dg.MetadataValue.int(violations.height),
        "violations_recorded": dg.MetadataValue.int(recorded),
        "by_standard": dg.MetadataValue.md(_markdown(report)),
    })


def _markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "no active standard matches policies/compliance_scan.yaml"
    header = "| standard | target | values | violations |\n|---|---|---:|---:|"
    lines = (f"| {r['standard']} | {r['target']} | {r['values']} | {r['violations']} |" for r in rows)
    return "\n".join([header, *lines])
