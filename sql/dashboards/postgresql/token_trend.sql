-- dashboard: Token usage, 30-day trend of a project, by day and provider
-- seed: 001 (HTAP example "Token Usage Analytics (30-Day Trend)", which runs on TiFlash), over token_usage_daily
-- class: aggregate
-- targets: p95 < 50 ms (seed 004, aggregate queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: project_id = a project of token_usage; as_of = the dashboard's now (naive UTC): its day and the 29 before
SELECT usage_date, provider, total_input, total_output, daily_cost
FROM token_usage_daily
WHERE project_id = CAST(:project_id AS uuid)
  AND usage_date > CAST(:as_of AS date) - 30
  AND usage_date <= CAST(:as_of AS date)
ORDER BY usage_date DESC, provider
