-- dashboard: Usage of an organization over time, hourly, the last 7 days
-- seed: 003 (query pattern "Usage by org/time", idx_usage_events_org_time), over usage_hourly
-- class: aggregate
-- targets: p95 < 50 ms (seed 004, aggregate queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: org_id = an organization; as_of = the dashboard's now (naive UTC): the hours in [as_of - 7 days, as_of)
SELECT bucket,
       CAST(SUM(request_count) AS bigint) AS request_count,
       CAST(SUM(error_count) AS bigint) AS error_count,
       CAST(SUM(total_input_tokens) AS bigint) AS total_input_tokens,
       CAST(SUM(total_output_tokens) AS bigint) AS total_output_tokens,
       CAST(SUM(total_cost_cents) AS bigint) AS total_cost_cents
FROM usage_hourly
WHERE org_id = CAST(:org_id AS uuid)
  AND bucket >= ((CAST(:as_of AS timestamp) - INTERVAL '7 days') AT TIME ZONE 'UTC')
  AND bucket < (CAST(:as_of AS timestamp) AT TIME ZONE 'UTC')
GROUP BY bucket
ORDER BY bucket
