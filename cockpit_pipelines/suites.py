"""The expectation suites (`expectations/<table>.json`, GX 1.x) validated over a window of a table, in SQL.

This module is the validation itself: `assets/quality.py` makes each suite a blocking asset check.
A suite is the one place its table's rules live; each rule has `meta.severity` `error` (a failure
blocks the downstream assets) or `warn`. A passing validation is kept while the rows it read are
unchanged (`kept_validations`).
"""

from __future__ import annotations

import contextlib
import json
import uuid
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from cockpit_pipelines.contracts import Table, contracts
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.engines.postgres import SESSION_OPTIONS
from cockpit_pipelines.engines.sqltext import quote_identifier, sql_literal, utc_bound
from cockpit_pipelines.kept_validations import ROW_COLUMNS, Ledger, open_ledger
from cockpit_pipelines.settings import EXPECTATIONS_DIR, MissingPackageData, package_files
from cockpit_pipelines.utc import now_utc
from cockpit_pipelines.windows import Window

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.datasource.fluent.interfaces import Batch

SEVERITIES = ("error", "warn")
SAMPLE_SIZE = 5
# Column expectations report up to SAMPLE_SIZE failing values; SQL-query expectations their rows.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
UNEXPECTED_ROWS = "expect_query_to_return_no_rows"  # see `_register_expectations`
# GX opens its own SQLAlchemy connections: run them in UTC (and, on PostgreSQL, with row_security off)
# like the project's engines.
_UTC_SESSION = {
    "postgresql": {"options": SESSION_OPTIONS},
    "mysql": {"init_command": "SET time_zone = '+00:00'"},
}


# --- suites --------------------------------------------------------------------------------------


def suite_tables() -> list[str]:
    """The tables that have a suite: the names of `expectations/*.json`."""
    return [path.stem for path in package_files(EXPECTATIONS_DIR, "*.json", "expectation suites")]


def read_suite(table: str) -> dict[str, Any]:
    """The suite file of `table`, as JSON."""
    path = EXPECTATIONS_DIR / f"{table}.json"
    if not path.is_file():
        raise MissingPackageData(f"no expectation suite for {table}: {path} does not exist")
    return json.loads(path.read_text())


def load_suite(table: str) -> ExpectationSuite:
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


def window_query(table: Table, window: Window | None, family: str, columns: str = "*") -> str:
    """`SELECT columns` of the rows whose time column lies in the window (the whole table when None)."""
    sql = f"SELECT {columns} FROM {table.name}"
    if window is None:
        return sql
    if not table.time_column:
        raise ValueError(f"{table.name} has no time_column in its contract: its suite needs meta.window = all")
    column = quote_identifier(table.time_column, family)
    column_type = table.column(table.time_column).type
    bounds: tuple[date | datetime, date | datetime] = (window.start, window.end)
    if column_type == "date":
        bounds = (window.start.date(), window.end.date())
    start, end = (utc_bound(sql_literal(bound, family), column_type, family) for bound in bounds)
    return f"{sql} WHERE {column} >= {start} AND {column} < {end}"


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
    # A passing validation kept from an earlier run (`kept_validations`): when it was validated.
    kept_from: datetime | None = None
    # The fingerprint of what the validation read (`kept_validations`), when the warehouse records them.
    fingerprint: str | None = None
    fingerprinted: tuple[str, ...] = ()  # its tables: the validated one (its window) first

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def severity(self) -> str:
        """`warn` when only `warn` rules failed, else `error` (a failed check of `error` blocks downstream)."""
        only_warnings = self.failures and all(f.severity == "warn" for f in self.failures)
        return "warn" if only_warnings else "error"

    @property
    def blocks(self) -> bool:
        """A failed `error` rule: the assets downstream of the table are not built from these rows."""
        return not self.passed and self.severity == "error"

    def description(self) -> str:
        where = f"{self.rows} rows in {self.window}" if self.window else f"{self.rows} rows (whole table)"
        if self.kept_from:
            return (f"{self.evaluated} expectations passed on {where}, validated at "
                    f"{self.kept_from:%Y-%m-%d %H:%M:%S} UTC; none of the rows it read has changed since")
        if self.passed:
            return f"{self.evaluated} expectations passed on {where}"
        errors = sum(f.severity == "error" for f in self.failures)
        return (f"{len(self.failures)} of {self.evaluated} expectations failed ({errors} error, "
                f"{len(self.failures) - errors} warn) on {where}")


def validate(engine: Engine, table: str, window: Window) -> SuiteOutcome:
    """Validate `table`'s suite over the window, in SQL on the engine, or take the passing validation
    kept from an earlier run while the rows it read are unchanged (`kept_validations`).

    GX sees the window as a view (of its query): for a query, its column reflection would fetch every
    row of the window into this process. The suite is validated in two passes: first every expectation
    with the BOOLEAN_ONLY result format, for which GX computes each table's aggregate metrics in one
    query and skips the per-expectation queries of failing values (scans of the whole window, even
    when no value fails); then, only if some fail, those again with SUMMARY, for their counts and
    samples.
    """
    ledger, kept = _kept(engine, table, window)
    if kept:
        return kept
    scope = suite_window(table, window)
    outcome = _validate(engine, table, scope, window_query(contracts().table(table), scope, engine.family))
    if ledger is None:
        return outcome
    if outcome.passed:
        ledger.keep(outcome.rows, outcome.evaluated)
    return replace(outcome, fingerprint=ledger.fingerprint, fingerprinted=ledger.covers)


def kept_outcome(engine: Engine, table: str, window: Window) -> SuiteOutcome | None:
    """The passing validation of `table`'s suite over the window kept from an earlier run, while the
    rows it read are unchanged (no Great Expectations needed)."""
    return _kept(engine, table, window)[1]


def _kept(engine: Engine, table: str, window: Window) -> tuple[Ledger | None, SuiteOutcome | None]:
    scope = suite_window(table, window)
    query = window_query(contracts().table(table), scope, engine.family, ROW_COLUMNS[engine.family])
    suite = read_suite(table)
    rules = [e["kwargs"]["unexpected_rows_query"] for e in suite.get("expectations") or []
             if e.get("type") == UNEXPECTED_ROWS]
    ledger = open_ledger(engine, table, suite, str(scope) if scope else "all", query, rules)
    kept = ledger.kept() if ledger else None
    if ledger is None or kept is None:
        return ledger, None
    return ledger, SuiteOutcome(table, scope, evaluated=kept.evaluated, rows=kept.rows, kept_from=kept.validated_at,
                                fingerprint=ledger.fingerprint, fingerprinted=ledger.covers)


def _validate(engine: Engine, table: str, scope: Window | None, query: str) -> SuiteOutcome:
    from great_expectations.core import ExpectationSuite

    suite = load_suite(table)
    parameters = {"now": now_utc()}
    with _window_batch(engine, table, query) as batch:
        quick = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"},
                               expectation_parameters=parameters)
        _raise_unevaluated(table, quick.results)
        failed = [r.expectation_config for r in quick.results if not r.success]
        detailed = []
        if failed:
            rerun = ExpectationSuite(name=f"{table}_failed", expectations=failed)
            detailed = batch.validate(rerun, result_format=RESULT_FORMAT, expectation_parameters=parameters).results
            _raise_unevaluated(table, detailed)
        rows = int(engine.query(f"SELECT COUNT(*) FROM ({query}) AS window_rows")[0][0])
    failures = [_failure(r, rows, engine, query) for r in detailed if not r.success]
    return SuiteOutcome(table, scope, evaluated=len(quick.results), rows=rows, failures=failures)


@contextlib.contextmanager
def _window_batch(engine: Engine, table: str, query: str) -> Iterator[Batch]:
    """A GX batch of the rows of `query`, through a uniquely named view that is dropped afterwards."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.datasource.fluent.interfaces import GxDatasourceWarning

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
    engine.execute(f"CREATE VIEW {view} AS {query}")
    try:
        asset = source.add_table_asset(name=table, table_name=view)
        yield asset.add_batch_definition_whole_table("window").get_batch()
    finally:
        source.get_engine().dispose()
        engine.execute(f"DROP VIEW IF EXISTS {view}")


def _raise_unevaluated(table: str, results: Sequence[ExpectationValidationResult]) -> None:
    errors = [f"{rule_text(r)}: {message}" for r in results if (message := _exception(r))]
    if errors:
        raise RuntimeError(f"expectations/{table}.json could not be evaluated:\n" + "\n".join(errors))


def _exception(result: ExpectationValidationResult) -> str | None:
    """The error message of an expectation GX could not evaluate (None when it was evaluated)."""
    info = result.exception_info or {}
    infos = [info] if "raised_exception" in info else list(info.values())
    messages = [i.get("exception_message") or "error" for i in infos
                if isinstance(i, Mapping) and i.get("raised_exception")]
    return "; ".join(messages) or None


def _failure(result: ExpectationValidationResult, rows: int, engine: Engine,
             query: str) -> RuleFailure:
    config = result.expectation_config
    details = result.result or {}
    if config.type == UNEXPECTED_ROWS:
        # GX's SUMMARY format reports only the count: read a few of the rows the query returns.
        count = details.get("observed_value")
        percent = 100 * count / rows if count is not None and rows else None
        unexpected = config.kwargs["unexpected_rows_query"].format(batch=f"({query}) AS batch_rows")
        sample = engine.read_frame(f"SELECT * FROM ({unexpected}) AS q LIMIT {SAMPLE_SIZE}").to_dicts()
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


def rule_text(result: ExpectationValidationResult) -> str:
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
