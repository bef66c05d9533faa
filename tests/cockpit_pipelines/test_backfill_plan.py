"""How `cockpit backfill` cuts a range into runs around the windows a raw table's blocking check fails on."""

from __future__ import annotations

from datetime import date

import pytest

from cockpit_pipelines.backfill import plan_runs, window_text

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
