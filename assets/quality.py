"""Data quality: the Great Expectations suites as blocking asset checks.

Each `expectations/<table>.json` is a GX 1.x suite and the one place its table's rules live. It
becomes one asset check on the table's asset (raw tables: `raw/<table>`, derived tables: `<table>`)
that validates only the rows of the run's partition window (the table's `time_column` in [start,
end)), in SQL on the warehouse through a GX SQL data source
(`cockpit_pipelines.suites`), unless a passing validation of the same window is kept and the rows it
read are provably unchanged: the same row count and content digest (`cockpit_pipelines.kept_validations`,
on every engine). The check then takes it, with `kept_validation_of` in its metadata; every outcome
shows the fingerprint it was compared with (`validation_fingerprint`). A check creates, alters or
drops nothing on the table it validates. A failed `error` rule fails the check with ERROR severity,
and since every check is blocking, the downstream assets of the run are not built from that window; a
failure of `warn` rules only is a WARN.
"""

import warnings
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import dagster as dg

from cockpit_pipelines.assets.raw import raw_key
from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.partitions import daily_partitions, partition_window
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.suites import (
    SuiteOutcome,
    read_suite,
    suite_tables,
    validate,
)
from cockpit_pipelines.windows import Window

CHECK_NAME = "expectation_suite"


# --- validation ----------------------------------------------------------------------------------


def check_result(outcome: SuiteOutcome, extra: Mapping[str, Any] | None = None) -> dg.AssetCheckResult:
    """The outcome as the check's result: ERROR when an `error` rule failed, WARN when only `warn` rules did."""
    metadata: dict[str, Any] = {
        "suite": dg.MetadataValue.path(f"expectations/{outcome.table}.json"),
        "window": dg.MetadataValue.text(str(outcome.window) if outcome.window else "whole table"),
        "rows_validated": dg.MetadataValue.int(outcome.rows),
        "expectations_evaluated": dg.MetadataValue.int(outcome.evaluated),
        "expectations_failed": dg.MetadataValue.int(len(outcome.failures)),
    }
    if outcome.kept_from:
        metadata["kept_validation_of"] = dg.MetadataValue.timestamp(outcome.kept_from)
    if outcome.fingerprint:
        metadata["validation_fingerprint"] = dg.MetadataValue.text(outcome.fingerprint)
        metadata["fingerprinted_tables"] = dg.MetadataValue.text(", ".join(outcome.fingerprinted))
    if outcome.failures:
        metadata["failing_rules"] = dg.MetadataValue.text("\n".join(f.describe() for f in outcome.failures))
        metadata["sample_failing_values"] = dg.MetadataValue.json({f.rule: f.sample for f in outcome.failures})
        metadata["failed_expectations"] = dg.MetadataValue.json([f.as_json() for f in outcome.failures])
    metadata.update(extra or {})
    severity = dg.AssetCheckSeverity.WARN if outcome.severity == "warn" else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(passed=outcome.passed, severity=severity, description=outcome.description(),
                               metadata=metadata)


def validate_suite(warehouse: WarehouseResource, table: str, window: Window) -> SuiteOutcome:
    """Validate `table`'s suite over the window, or take its kept validation (`kept_validations`)."""
    return validate(warehouse.engine, table, window)


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
        return validate_suite(warehouse, table, part).blocks

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
            if outcome.blocks and window.end - window.start > timedelta(days=1):
                # a range run: which of its partitions break the rules (the others could be run alone)
                bad = blocking_windows(warehouse, table, window, failing=True)
                extra["failing_partitions"] = dg.MetadataValue.json([partitions_text(w) for w in bad])
            return check_result(outcome, extra)

    return _check


_CHECKS = {table: _suite_check(table) for table in suite_tables()}
quality_checks: list[dg.AssetChecksDefinition] = list(_CHECKS.values())
raw_quality_checks = dg.AssetSelection.checks(
    *(dg.AssetCheckKey(raw_key(t), CHECK_NAME) for t in _CHECKS if contracts().table(t).kind != "derived")
)


def checks_for(table: str) -> list[dg.AssetChecksDefinition]:
    """The quality checks of one table (empty when it has no suite)."""
    return [_CHECKS[table]] if table in _CHECKS else []
