-- dashboard: Hourly metrics of an asset, the last 7 days, newest first
-- seed: 004 (query pattern 2 "Aggregated Metrics", the metrics_hourly continuous aggregate), over metrics_hourly
-- class: aggregate
-- targets: p95 < 50 ms (seed 004, aggregate queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: asset_id = an asset of metrics; metric_name = one of its metrics; as_of = the dashboard's now (naive UTC): hours in [as_of - 7 days, as_of)
SELECT bucket, metric_type, tenant_id, avg_value, p95_value, p99_value
FROM metrics_hourly
WHERE asset_id = :asset_id
  AND metric_name = :metric_name
  AND bucket >= ((CAST(:as_of AS timestamp) - INTERVAL '7 days') AT TIME ZONE 'UTC')
  AND bucket < (CAST(:as_of AS timestamp) AT TIME ZONE 'UTC')
ORDER BY bucket DESC, metric_type, tenant_id
