"""Data quality: the Great Expectations suites as blocking asset checks, and the metadata compliance scan.

Each `expectations/<table>.json` is a GX 1.x suite and the one place its table's rules live. It
becomes one asset check on the table's asset (raw tables: `raw/<table>`, derived tables: `<table>`)
that validates only the rows of the run's partition window (the table's `time_column` in [start,
end)), in SQL on the warehouse through a GX SQL data source. A failed `error` rule fails the check
with ERROR severity, and since every check is blocking, the downstream assets of the run are not
built from that window; a failure of `warn` rules only is a WARN.

`metadata_compliance_scan` applies the active `metadata_standards` to the platform's own data (as
configured in `policies/compliance_scan.yaml`) and records new violations in `metadata_violations`.
"""

import contextlib
import fnmatch
import json
import re
import uuid
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import dagster as dg
import polars as pl

from assets.raw import raw_key
from cockpit_pipelines import validation_worker
from cockpit_pipelines.contracts import Table, contracts
from cockpit_pipelines.engines.sqltext import sql_literal
from cockpit_pipelines.partitions import daily_partitions
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.settings import EXPECTATIONS_DIR, POLICIES_DIR, read_yaml

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.datasource.fluent.interfaces import Batch

CHECK_NAME = "expectation_suite"
SEVERITIES = ("error", "warn")
SAMPLE_SIZE = 5
# Column expectations report up to SAMPLE_SIZE failing values; SQL-query expectations their rows.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
UNEXPECTED_ROWS = "expect_query_to_return_no_rows"  # see `_register_expectations`
# GX opens its own SQLAlchemy connections: run them in UTC like the project's engines.
_UTC_SESSION = {
    "postgresql": {"options": "-c TimeZone=UTC"},
    "mysql": {"init_command": "SET time_zone = '+00:00'"},
}


# --- suites --------------------------------------------------------------------------------------


def suite_tables() -> list[str]:
    """The tables that have a suite: the names of `expectations/*.json`."""
    return sorted(path.stem for path in EXPECTATIONS_DIR.glob("*.json"))


def read_suite(table: str) -> dict[str, Any]:
    """The suite file of `table`, as JSON."""
    return json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text())


def load_suite(table: str) -> "ExpectationSuite":
    """The GX suite of `table`; refuses a file GX would load only in part.

    GX drops an expectation whose type it does not know (it only logs it), so the count of loaded
    expectations must equal the file's. Every expectation needs `meta.severity` `error` or `warn`.
    """
    from great_expectations.core import ExpectationSuite

    _register_expectations()
    data = read_suite(table)
    listed = data.get("expectations") or []
    unrated = [e.get("type") for e in listed if (e.get("meta") or {}).get("severity") not in SEVERITIES]
    if unrated:
        raise ValueError(f"expectations/{table}.json: meta.severity must be error or warn, missing on {unrated}")
    suite = ExpectationSuite(**data)
    if len(suite.expectations) != len(listed):
        dropped = Counter(e.get("type") for e in listed) - Counter(e.expectation_type for e in suite.expectations)
        raise ValueError(
            f"expectations/{table}.json lists {len(listed)} expectations but Great Expectations loaded "
            f"{len(suite.expectations)}; not loaded: {sorted(dropped.elements())}"
        )
    return suite


_registered = False


def _register_expectations() -> None:
    """Define the project's own expectation type once (GX registers a class by its snake_case name).

    `expect_query_to_return_no_rows`: GX's `unexpected_rows_expectation` (the rows of a SQL query over
    the batch break the rule) computing only the count of those rows. GX's own also fetches the rows
    themselves in every result format: a second scan of the window, even when none come back. The
    failing rows of a failed rule are read by `_failure` (a few of them).
    """
    global _registered
    if _registered:
        return
    from great_expectations.expectations.core.unexpected_rows_expectation import UnexpectedRowsExpectation

    class ExpectQueryToReturnNoRows(UnexpectedRowsExpectation):
        metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

        def _validate(self, metrics: dict, runtime_configuration: dict | None = None,
                      execution_engine: Any = None) -> dict[str, Any]:
            count = metrics["unexpected_rows_query.row_count"]
            return {"success": count == 0, "result": {"observed_value": count}}

    _registered = True


# --- windows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """[start, end) in naive UTC: the rows a check validates."""

    start: datetime
    end: datetime

    def __str__(self) -> str:
        return f"[{self.start.isoformat(sep=' ')}, {self.end.isoformat(sep=' ')})"

    def widen_to_months(self) -> "Window":
        """The whole calendar months the window touches (for tables with one row per month)."""
        last = self.end - timedelta(microseconds=1)
        following = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
        return Window(self.start.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
                      following.replace(hour=0, minute=0, second=0, microsecond=0))


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def partition_window(context: dg.AssetCheckExecutionContext | dg.AssetExecutionContext) -> Window:
    """The run's daily partition, or its range in a single-run backfill.

    Read from the run's partition tags, so that an unpartitioned check (on a raw table) gets the
    window of the partitioned run it is part of. Outside a partitioned run: the last complete day.
    """
    if context.has_partition_key or context.has_partition_key_range:
        first, last = context.partition_key_range.start, context.partition_key_range.end
    else:
        first = last = daily_partitions.get_last_partition_key()
    return Window(
        _naive_utc(daily_partitions.time_window_for_partition_key(first).start),
        _naive_utc(daily_partitions.time_window_for_partition_key(last).end),
    )


def _quote(column: str, family: str) -> str:
    return f'"{column}"' if family == "postgresql" else f"`{column}`"


def suite_window(table: str, window: Window) -> Window | None:
    """The window a suite validates: suite `meta.window` is `day` (default), `month` or `all`."""
    grain = (read_suite(table).get("meta") or {}).get("window", "day")
    if grain == "all":
        return None
    if grain == "month":
        return window.widen_to_months()
    if grain != "day":
        raise ValueError(f"expectations/{table}.json: meta.window must be day, month or all, not {grain!r}")
    return window


def window_query(table: Table, window: Window | None, family: str) -> str:
    """`SELECT *` of the rows whose time column lies in the window (the whole table when None)."""
    sql = f"SELECT * FROM {table.name}"
    if window is None:
        return sql
    if not table.time_column:
        raise ValueError(f"{table.name} has no time_column in its contract: its suite needs meta.window = all")
    column = _quote(table.time_column, family)
    bounds: tuple[date | datetime, date | datetime] = (window.start, window.end)
    if table.column(table.time_column).type == "date":
        bounds = (window.start.date(), window.end.date())
    return f"{sql} WHERE {column} >= {sql_literal(bounds[0], family)} AND {column} < {sql_literal(bounds[1], family)}"


# --- validation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFailure:
    """One failed expectation: its rule, severity, how many rows failed it and a few of them."""

    rule: str
    severity: str
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: list[Any]

    def describe(self) -> str:
        """e.g. `expect_column_values_to_be_between(relevance_score, 0, 1): 3 unexpected (0.10%), e.g. [1.7, 2.0]`."""
        if self.unexpected_count is None:
            text = f"{self.rule}: failed"
        else:
            text = f"{self.rule}: {self.unexpected_count} unexpected"
            if self.unexpected_percent is not None:
                text += f" ({self.unexpected_percent:.2f}%)"
        return text + (f", e.g. {json.dumps(self.sample)}" if self.sample else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "sample": self.sample,
        }


@dataclass(frozen=True)
class SuiteOutcome:
    """The validation of one table's suite over one window."""

    table: str
    window: Window | None
    evaluated: int
    rows: int
    failures: list[RuleFailure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def severity(self) -> dg.AssetCheckSeverity:
        """WARN when only `warn` rules failed; else ERROR (a failed ERROR check blocks downstream assets)."""
        only_warnings = self.failures and all(f.severity == "warn" for f in self.failures)
        return dg.AssetCheckSeverity.WARN if only_warnings else dg.AssetCheckSeverity.ERROR

    def description(self) -> str:
        where = f"{self.rows} rows in {self.window}" if self.window else f"{self.rows} rows (whole table)"
        if self.passed:
            return f"{self.evaluated} expectations passed on {where}"
        errors = sum(f.severity == "error" for f in self.failures)
        return (f"{len(self.failures)} of {self.evaluated} expectations failed ({errors} error, "
                f"{len(self.failures) - errors} warn) on {where}")

    def check_result(self, extra: Mapping[str, Any] | None = None) -> dg.AssetCheckResult:
        metadata: dict[str, Any] = {
            "suite": dg.MetadataValue.path(f"expectations/{self.table}.json"),
            "window": dg.MetadataValue.text(str(self.window) if self.window else "whole table"),
            "rows_validated": dg.MetadataValue.int(self.rows),
            "expectations_evaluated": dg.MetadataValue.int(self.evaluated),
            "expectations_failed": dg.MetadataValue.int(len(self.failures)),
        }
        if self.failures:
            metadata["failing_rules"] = dg.MetadataValue.text("\n".join(f.describe() for f in self.failures))
            metadata["sample_failing_values"] = dg.MetadataValue.json({f.rule: f.sample for f in self.failures})
            metadata["failed_expectations"] = dg.MetadataValue.json([f.as_json() for f in self.failures])
        metadata.update(extra or {})
        return dg.AssetCheckResult(
            passed=self.passed, severity=self.severity, description=self.description(), metadata=metadata
        )


# Outcomes kept inside `reusing_validations()`: (warehouse, table, validated window) → outcome.
_reusable: dict[tuple[str, str, Window | None], SuiteOutcome] | None = None


@contextlib.contextmanager
def reusing_validations() -> Iterator[None]:
    """Inside the block, a suite is validated once per window: `cockpit backfill` validates the raw
    tables over its range before its runs, and the checks of a run over that same range take those
    outcomes instead of scanning the same rows again moments later (a check and the assets after it
    read the rows at different moments either way). Nested blocks share the outer one's outcomes."""
    global _reusable
    outer = _reusable
    _reusable = {} if outer is None else outer
    try:
        yield
    finally:
        _reusable = outer


def validate_suite(warehouse: WarehouseResource, table: str, window: Window) -> SuiteOutcome:
    """Validate `table`'s suite over the window (once inside `reusing_validations()`)."""
    key = (warehouse.engine.describe(), table, suite_window(table, window))
    if _reusable is not None and key in _reusable:
        return _reusable[key]
    if validation_worker.running():
        outcome = validation_worker.call(_validate_at, warehouse.engine.url.render_as_string(hide_password=False),
                                         table, window)
    else:
        outcome = _validate(warehouse, table, window)
    if _reusable is not None:
        _reusable[key] = outcome
    return outcome


def _validate(warehouse: WarehouseResource, table: str, window: Window) -> SuiteOutcome:
    """Validate `table`'s suite over the window, in SQL on the warehouse.

    GX sees the window as a view (of its query): for a query, its column reflection would fetch every
    row of the window into this process. The suite is validated in two passes: first every expectation
    with the BOOLEAN_ONLY result format, for which GX computes each table's aggregate metrics in one
    query and skips the per-expectation queries of failing values (scans of the whole window, even
    when no value fails); then, only if some fail, those again with SUMMARY, for their counts and
    samples.
    """
    from great_expectations.core import ExpectationSuite

    suite = load_suite(table)
    contract = contracts().table(table)
    engine = warehouse.engine
    scope = suite_window(table, window)
    query = window_query(contract, scope, engine.family)
    parameters = {"now": datetime.now(UTC).replace(tzinfo=None)}
    with _window_batch(warehouse, table, query) as batch:
        quick = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"},
                               expectation_parameters=parameters)
        _raise_unevaluated(table, quick.results)
        failed = [r.expectation_config for r in quick.results if not r.success]
        detailed = []
        if failed:
            rerun = ExpectationSuite(name=f"{table}_failed", expectations=failed)
            detailed = batch.validate(rerun, result_format=RESULT_FORMAT, expectation_parameters=parameters).results
            _raise_unevaluated(table, detailed)
        rows = int(warehouse.query(f"SELECT COUNT(*) FROM ({query}) AS window_rows")[0][0])
    failures = [_failure(r, rows, warehouse, query) for r in detailed if not r.success]
    return SuiteOutcome(table, scope, evaluated=len(quick.results), rows=rows, failures=failures)


def _validate_at(url: str, table: str, window: Window) -> SuiteOutcome:
    """`_validate` on the warehouse at `url` (in the validation worker)."""
    return _validate(WarehouseResource(url=url), table, window)


@contextlib.contextmanager
def _window_batch(warehouse: WarehouseResource, table: str, query: str) -> Iterator["Batch"]:
    """A GX batch of the rows of `query`, through a uniquely named view that is dropped afterwards."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.datasource.fluent.interfaces import GxDatasourceWarning

    engine = warehouse.engine
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # The generic SQL data source: GX's PostgreSQL one refuses the embedded server's socket URL
    # (`?host=/path`), and its warning that a specific one exists says nothing more.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GxDatasourceWarning)
        source = context.data_sources.add_sql(
            name="warehouse",
            connection_string=engine.url.render_as_string(hide_password=False),
            kwargs={"connect_args": _UTC_SESSION[engine.family]},
        )
    view = f"cockpit_gx_{table}_{uuid.uuid4().hex[:12]}"
    warehouse.execute(f"CREATE VIEW {view} AS {query}")
    try:
        asset = source.add_table_asset(name=table, table_name=view)
        yield asset.add_batch_definition_whole_table("window").get_batch()
    finally:
        source.get_engine().dispose()
        warehouse.execute(f"DROP VIEW IF EXISTS {view}")


def _raise_unevaluated(table: str, results: Sequence["ExpectationValidationResult"]) -> None:
    errors = [f"{rule_text(r)}: {message}" for r in results if (message := _exception(r))]
    if errors:
        raise RuntimeError(f"expectations/{table}.json could not be evaluated:\n" + "\n".join(errors))


def blocking_windows(warehouse: WarehouseResource, table: str, window: Window, *,
                     failing: bool = False) -> list[Window]:
    """Where inside `window` the suite of `table` fails an `error` rule (what its blocking check stops).

    The single days whose own rows break a rule, found by bisection (a few validations per bad day,
    whatever the window's length), or a longer window when only the rows of several days together
    do (a key repeated across days). Empty when the window passes; `failing`: the window is known to
    fail. A suite validated by month or as a whole table (`meta.window`) is not split: its failure is
    the whole window's.
    """

    def blocks(part: Window) -> bool:
        outcome = validate_suite(warehouse, table, part)
        return not outcome.passed and outcome.severity == dg.AssetCheckSeverity.ERROR

    def narrow(failing: Window) -> list[Window]:
        days = (failing.end - failing.start) // timedelta(days=1)
        if days <= 1:
            return [failing]
        middle = failing.start + timedelta(days=days // 2)
        halves = [half for half in (Window(failing.start, middle), Window(middle, failing.end)) if blocks(half)]
        return [found for half in halves for found in narrow(half)] if halves else [failing]

    if not failing and not blocks(window):
        return []
    grain = (read_suite(table).get("meta") or {}).get("window", "day")
    return narrow(window) if grain == "day" else [window]


def partitions_text(window: Window) -> str:
    """The daily partitions of a window: `2026-04-01`, or `2026-03-30..2026-03-31`."""
    first, last = window.start.date(), (window.end - timedelta(days=1)).date()
    return str(first) if first >= last else f"{first}..{last}"


def _exception(result: "ExpectationValidationResult") -> str | None:
    """The error message of an expectation GX could not evaluate (None when it was evaluated)."""
    info = result.exception_info or {}
    infos = [info] if "raised_exception" in info else list(info.values())
    messages = [i.get("exception_message") or "error" for i in infos
                if isinstance(i, Mapping) and i.get("raised_exception")]
    return "; ".join(messages) or None


def _failure(result: "ExpectationValidationResult", rows: int, warehouse: WarehouseResource,
             query: str) -> RuleFailure:
    config = result.expectation_config
    details = result.result or {}
    if config.type == UNEXPECTED_ROWS:
        # GX's SUMMARY format reports only the count: read a few of the rows the query returns.
        count = details.get("observed_value")
        percent = 100 * count / rows if count is not None and rows else None
        unexpected = config.kwargs["unexpected_rows_query"].format(batch=f"({query}) AS batch_rows")
        sample = warehouse.read_frame(f"SELECT * FROM ({unexpected}) AS q LIMIT {SAMPLE_SIZE}").to_dicts()
    else:
        count = details.get("unexpected_count")
        percent = details.get("unexpected_percent")
        sample = details.get("partial_unexpected_list") or []
    return RuleFailure(
        rule=rule_text(result),
        severity=config.meta["severity"],
        unexpected_count=None if count is None else int(count),
        unexpected_percent=None if percent is None else float(percent),
        sample=[_jsonable(v) for v in sample[:SAMPLE_SIZE]],
    )


def rule_text(result: "ExpectationValidationResult") -> str:
    """An expectation as `type(arguments)`, e.g. `expect_column_values_to_be_between(relevance_score, 0, 1)`."""
    config = result.expectation_config
    kwargs = config.kwargs
    if config.type == UNEXPECTED_ROWS:
        return f"{UNEXPECTED_ROWS}({config.description or kwargs['unexpected_rows_query']})"
    args: list[str] = [str(kwargs[key]) for key in ("column", "column_A", "column_B") if key in kwargs]
    if "column_list" in kwargs:
        args.append("[" + ", ".join(kwargs["column_list"]) + "]")
    if "value_set" in kwargs:
        args.append(json.dumps([_jsonable(v) for v in kwargs["value_set"]]))
    if "min_value" in kwargs or "max_value" in kwargs:
        args += [_bound(kwargs.get("min_value")), _bound(kwargs.get("max_value"))]
    if kwargs.get("or_equal"):
        args.append("or_equal")
    if condition := kwargs.get("row_condition"):
        args.append(f"where {_condition_text(condition)}")
    return f"{config.type}({', '.join(args)})"


def _condition_text(condition: Any) -> str:
    """A GX row condition as `column op value` (GX reports a comparison as its JSON form)."""
    if isinstance(condition, Mapping) and condition.get("type") == "comparison":
        return f"{condition['column']['name']} {condition['operator']} {condition['parameter']}"
    return str(condition)


def _bound(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, Mapping) and "$PARAMETER" in value:
        return f"${value['$PARAMETER']}"
    return json.dumps(_jsonable(value))


def _jsonable(value: Any) -> Any:
    """A failing value as JSON: numbers, text, ISO timestamps; rows and tuples as objects and lists."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


# --- asset checks --------------------------------------------------------------------------------


def _suite_check(table: str) -> dg.AssetChecksDefinition:
    """The blocking check of `table`'s suite, on its raw or derived asset."""
    contract = contracts().table(table)
    derived = contract.kind == "derived"
    description = (read_suite(table).get("meta") or {}).get("description", "")
    # Partitioned asset checks are a preview feature in Dagster 1.13; they give the derived tables a
    # check result per partition. The raw tables' assets are unpartitioned, and so are their checks:
    # those read the window from the run's partition tags.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)

        @dg.asset_check(
            asset=dg.AssetKey(table) if derived else raw_key(table),
            name=CHECK_NAME,
            description=f"{description} Great Expectations suite expectations/{table}.json over the run's "
            "partition window; a failed error rule blocks the downstream assets.",
            blocking=True,
            partitions_def=daily_partitions if derived else None,
            metadata={"suite": f"expectations/{table}.json", "kind": contract.kind},
        )
        def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
            window = partition_window(context)
            outcome = validate_suite(warehouse, table, window)
            context.log.info(outcome.description())
            extra = {}
            if outcome.severity == dg.AssetCheckSeverity.ERROR and not outcome.passed and \
                    window.end - window.start > timedelta(days=1):
                # a range run: which of its partitions break the rules (the others could be run alone)
                bad = blocking_windows(warehouse, table, window, failing=True)
                extra["failing_partitions"] = dg.MetadataValue.json([partitions_text(w) for w in bad])
            return outcome.check_result(extra)

    return _check


_CHECKS = {table: _suite_check(table) for table in suite_tables()}
quality_checks: list[dg.AssetChecksDefinition] = list(_CHECKS.values())
raw_quality_checks = dg.AssetSelection.checks(
    *(dg.AssetCheckKey(raw_key(t), CHECK_NAME) for t in _CHECKS if contracts().table(t).kind != "derived")
)


def checks_for(table: str) -> list[dg.AssetChecksDefinition]:
    """The quality checks of one table (empty when it has no suite)."""
    return [_CHECKS[table]] if table in _CHECKS else []


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
    value, ident = _quote(target.column or "", family), _quote(target.id_column or "", family)
    moment = _quote(target.time_column, family) if target.time_column else sql_literal(window.start, family)
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
        moment = moment.astimezone(UTC) if moment.tzinfo else moment
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
            key="metadata_compliance_scan",
            deps=_scan_deps(),
            description="Applies every active metadata standard to the platform's own data (policies/"
            "compliance_scan.yaml: JSON text timestamps, contract names, version columns) and records new "
            "violations in metadata_violations, once each, so that compliance_scores reflects them.",
            group_name="governance",
            kinds={"polars", "sql"},
            owners=["team:data-platform"],
            metadata={"policy": dg.MetadataValue.path("cockpit_pipelines/policies/compliance_scan.yaml")},
        )
    ],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
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
