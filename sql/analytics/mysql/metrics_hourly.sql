-- metrics_hourly for buckets in [:start, :end) — seed 004's continuous aggregate over the 5-minute rows,
-- for the MySQL family (time_bucket is a TIME there). Parameters: :start, :end; :source_bucket (5 minutes).
-- The percentiles are MariaDB window functions (they skip NULLs), carried into the GROUP BY with MAX.
SELECT
    bucket,
    asset_id,
    metric_type,
    metric_name,
    tenant_id,
    COUNT(*) AS count,
    AVG(value_avg) AS avg_value,
    MIN(value_min) AS min_value,
    MAX(value_max) AS max_value,
    MAX(p95) AS p95_value,
    MAX(p99) AS p99_value
FROM (
    SELECT
        CAST(DATE_FORMAT(timestamp, '%Y-%m-%d %H:00:00') AS DATETIME(6)) AS bucket,
        asset_id, metric_type, metric_name, tenant_id, value_avg, value_min, value_max,
        PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY value_p95)
            OVER (PARTITION BY DATE_FORMAT(timestamp, '%Y-%m-%d %H'), asset_id, metric_type, metric_name, tenant_id)
            AS p95,
        PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY value_p99)
            OVER (PARTITION BY DATE_FORMAT(timestamp, '%Y-%m-%d %H'), asset_id, metric_type, metric_name, tenant_id)
            AS p99
    FROM metrics
    WHERE timestamp >= :start AND timestamp < :end AND time_bucket = :source_bucket
) AS five_minute
GROUP BY bucket, asset_id, metric_type, metric_name, tenant_id
ORDER BY bucket, asset_id, metric_type, metric_name, tenant_id
