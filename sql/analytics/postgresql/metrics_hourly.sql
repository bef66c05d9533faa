-- metrics_hourly for buckets in [:start, :end) — seed 004's continuous aggregate over the 5-minute rows.
-- Parameters: :start, :end; :source_bucket (the interval of the rows aggregated: 5 minutes).
SELECT
    date_trunc('hour', timestamp) AS bucket,
    asset_id,
    metric_type,
    metric_name,
    tenant_id,
    COUNT(*) AS count,
    AVG(value_avg) AS avg_value,
    MIN(value_min) AS min_value,
    MAX(value_max) AS max_value,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY value_p95) AS p95_value,
    PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY value_p99) AS p99_value
FROM metrics
WHERE timestamp >= :start AND timestamp < :end AND time_bucket = :source_bucket
GROUP BY date_trunc('hour', timestamp), asset_id, metric_type, metric_name, tenant_id
ORDER BY bucket, asset_id, metric_type, metric_name, tenant_id
