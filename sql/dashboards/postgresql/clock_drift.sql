-- dashboard: Clock drift per component and day, the last 7 days, worst first
-- seed: 000/001 (clock drift < 10 ms, clock_sync_status), over clock_drift_daily
-- class: aggregate
-- targets: p95 < 50 ms (seed 004, aggregate queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: as_of = the dashboard's now (naive UTC): its day and the 6 before; limit_us = the drift target (policies/clock_drift.yaml)
SELECT day, component_name, samples, max_abs_offset_us, p95_abs_offset_us, synchronized_share, drifting_share,
       error_share, CASE WHEN max_abs_offset_us >= :limit_us THEN 1 ELSE 0 END AS over_target
FROM clock_drift_daily
WHERE day > CAST(:as_of AS DATE) - 7
  AND day <= CAST(:as_of AS DATE)
ORDER BY day DESC, max_abs_offset_us DESC, component_name
