"""bench/serving.py's reading of PostgreSQL plans: the findings it reports, and the scans it does not count."""

from __future__ import annotations

from bench.serving import plan_findings

EMPTY_DEFAULT = """\
Nested Loop  (cost=1.00..9.00 rows=4) (actual time=0.01..0.02 rows=1 loops=12)
  ->  Append  (cost=1.00..9.00 rows=4) (actual time=0.01..0.02 rows=1 loops=12)
        ->  Index Scan on events_p202612 e1_1  (cost=1.00..9.00 rows=1) (actual time=0.01..0.02 rows=1 loops=12)
              Index Cond: (id = c.primary_event_id)
        ->  Seq Scan on events_default e1_2  (cost=1.00..9.00 rows=1) (actual time=0.01..0.02 rows=0 loops=12)
              Filter: (c.primary_event_id = id)
"""

FULL_DEFAULT = EMPTY_DEFAULT.replace("Filter: (c.primary_event_id = id)",
                                     "Filter: (c.primary_event_id = id)\n              Rows Removed by Filter: 5000")

FALLBACK_NEVER_RUN = """\
Index Scan on correlations_p202612 c  (cost=1.00..9.00 rows=9) (actual time=0.01..0.02 rows=12 loops=1)
  SubPlan 1
    ->  Limit  (cost=1.00..9.00 rows=1) (actual time=0.01..0.02 rows=1 loops=12)
          ->  Index Scan on events_p202612 e  (cost=1.00..9.00 rows=1) (actual time=0.01..0.02 rows=1 loops=12)
  SubPlan 2
    ->  Limit  (cost=1.00..9.00 rows=1) (never executed)
          ->  Append  (cost=1.00..9.00 rows=4) (never executed)
                ->  Index Scan on events_p202610 e_2  (cost=1.00..9.00 rows=1) (never executed)
                ->  Index Scan on events_p202611 e_3  (cost=1.00..9.00 rows=1) (never executed)
                ->  Index Scan on events_p202612 e_4  (cost=1.00..9.00 rows=1) (never executed)
                ->  Seq Scan on events_default e_5  (cost=1.00..9.00 rows=1) (never executed)
"""

UNPRUNED = FALLBACK_NEVER_RUN.replace(" (never executed)", " (actual time=0.01..0.02 rows=0 loops=12)")

SEQ_SCAN = """\
Seq Scan on token_usage_p202612 t  (cost=1.00..9.00 rows=500) (actual time=0.01..0.02 rows=480 loops=1)
  Filter: (project_id = '1'::uuid)
  Rows Removed by Filter: 300000
"""


def test_an_empty_default_partition_is_not_a_scan_of_the_table() -> None:
    assert plan_findings(EMPTY_DEFAULT, {"events": 4}) == []


def test_a_default_partition_holding_rows_is() -> None:
    assert plan_findings(FULL_DEFAULT, {"events": 4}) == ["sequential scan of raw table events"]


def test_a_never_executed_fallback_is_not_an_unpruned_scan() -> None:
    assert plan_findings(FALLBACK_NEVER_RUN, {"events": 4, "correlations": 4}) == []


def test_every_partition_executed_is_unpruned() -> None:
    assert plan_findings(UNPRUNED, {"events": 4}) == ["every partition of events scanned (4 of 4): no pruning"]


def test_a_sequential_scan_of_a_raw_partition_is_reported() -> None:
    assert plan_findings(SEQ_SCAN, {"token_usage": 3}) == ["sequential scan of raw table token_usage"]
