"""How `cockpit backfill` cuts a range into runs around the windows a raw table's blocking check fails on,
and which checks its runs hold."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from cockpit_pipelines.cli.backfill import BackfillReport, RunOutcome, analytics_job, plan_runs, window_text

D = [date(2026, 3, d) for d in range(1, 32)]


@pytest.mark.parametrize(
    ("blocked", "runs"),
    [
        ([], [(D[0], D[9])]),
        ([(D[4], D[4])], [(D[0], D[3]), (D[4], D[4]), (D[5], D[9])]),
        ([(D[0], D[0])], [(D[0], D[0]), (D[1], D[9])]),
        ([(D[9], D[9])], [(D[0], D[8]), (D[9], D[9])]),
        ([(D[2], D[2]), (D[3], D[3])], [(D[0], D[1]), (D[2], D[2]), (D[3], D[3]), (D[4], D[9])]),
        ([(D[6], D[6]), (D[2], D[4]), (D[3], D[5])], [(D[0], D[1]), (D[2], D[5]), (D[6], D[6]), (D[7], D[9])]),
        ([(D[0], D[9])], [(D[0], D[9])]),
    ],
)
def test_each_blocked_window_runs_alone_and_the_good_days_around_it_run_together(
    blocked: list[tuple[date, date]], runs: list[tuple[date, date]]
) -> None:
    assert plan_runs(D[0], D[9], blocked) == runs


def test_windows_read_as_partitions() -> None:
    assert window_text(D[0], D[0]) == "2026-03-01"
    assert window_text(D[0], D[1]) == "2026-03-01..2026-03-02"


def _checks(job: dg.JobDefinition) -> set[str]:
    return {key.to_user_string() for key in job.asset_layer.asset_graph.asset_check_keys}


def test_a_selection_runs_its_checks_and_by_default_those_of_the_raw_tables_it_reads() -> None:
    assert _checks(analytics_job(["usage_hourly"])) == {"raw/usage_events:expectation_suite",
                                                       "usage_hourly:expectation_suite"}
    assert _checks(analytics_job(["usage_hourly"], raw_checks=False)) == {"usage_hourly:expectation_suite"}


def test_without_raw_checks_every_daily_asset_keeps_its_own_check() -> None:
    full, derived_only = analytics_job(), analytics_job(raw_checks=False)
    assert derived_only.asset_layer.selected_asset_keys == full.asset_layer.selected_asset_keys
    assert _checks(derived_only) == {c for c in _checks(full) if not c.startswith("raw/")}
    assert any(c.startswith("raw/") for c in _checks(full))


def test_a_report_without_raw_checks_says_so() -> None:
    assert not any("--no-raw-checks" in line for line in BackfillReport(D[0], D[1]).summary_lines())
    lines = BackfillReport(D[0], D[1], raw_checks=False).summary_lines()
    assert "  raw tables not validated (--no-raw-checks): their latest check results are in the UI" in lines


def test_a_report_gives_each_asset_its_rows_and_its_steps_time_over_all_runs() -> None:
    hourly = "usage_hourly"
    runs = [RunOutcome("a" * 8, D[0], D[3], True, materialized={hourly: 40}, step_seconds={hourly: 1.25}),
            RunOutcome("b" * 8, D[4], D[4], True, materialized={hourly: 10}, step_seconds={hourly: 0.5}),
            RunOutcome("c" * 8, D[5], D[9], True, materialized={hourly: 50, "usage_daily": 7})]
    lines = BackfillReport(D[0], D[9], runs=runs).summary_lines()
    assert f"  materialized {hourly:<28} {100:>10,} rows in 1.75s" in lines
    assert f"  materialized {'usage_daily':<28} {7:>10,} rows" in lines  # no step stats: no time
