-- dashboard: High-Impact Changes Report of a day (the 7 days ending with it)
-- seed: 001 (HTAP example "High-Impact Changes Report"), over high_impact_changes
-- class: aggregate
-- targets: p95 < 50 ms (seed 004, aggregate queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: as_of = the dashboard's now (naive UTC): the report of its day
SELECT report_date, `rank`, change_id, change_type, affected_dashboards, total_token_cost, avg_duration_ms
FROM high_impact_changes
WHERE report_date = CAST(:as_of AS DATE)
ORDER BY `rank`
