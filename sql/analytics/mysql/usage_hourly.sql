-- usage_hourly for buckets in [:start, :end) — seed 003's continuous aggregate, for the MySQL family.
-- The percentiles are MariaDB window functions (they skip NULLs), carried into the GROUP BY with MAX.
SELECT
    bucket,
    org_id,
    project_id,
    model,
    COUNT(*) AS request_count,
    CAST(SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END) AS SIGNED) AS success_count,
    CAST(SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS SIGNED) AS error_count,
    CAST(SUM(input_tokens) AS SIGNED) AS total_input_tokens,
    CAST(SUM(output_tokens) AS SIGNED) AS total_output_tokens,
    CAST(SUM(cache_read_tokens) AS SIGNED) AS total_cache_read_tokens,
    CAST(SUM(cost_cents) AS SIGNED) AS total_cost_cents,
    CAST(SUM(latency_ms) AS DOUBLE) / NULLIF(COUNT(latency_ms), 0) AS avg_latency_ms,
    MAX(p50) AS p50_latency_ms,
    MAX(p95) AS p95_latency_ms,
    MAX(p99) AS p99_latency_ms,
    COUNT(DISTINCT user_id) AS unique_users
FROM (
    SELECT
        CAST(DATE_FORMAT(time, '%Y-%m-%d %H:00:00') AS DATETIME(6)) AS bucket,
        org_id, project_id, model, user_id, status,
        input_tokens, output_tokens, cache_read_tokens, cost_cents, latency_ms,
        PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY latency_ms)
            OVER (PARTITION BY DATE_FORMAT(time, '%Y-%m-%d %H'), org_id, project_id, model) AS p50,
        PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY latency_ms)
            OVER (PARTITION BY DATE_FORMAT(time, '%Y-%m-%d %H'), org_id, project_id, model) AS p95,
        PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY latency_ms)
            OVER (PARTITION BY DATE_FORMAT(time, '%Y-%m-%d %H'), org_id, project_id, model) AS p99
    FROM usage_events
    WHERE time >= :start AND time < :end
) AS events
GROUP BY bucket, org_id, project_id, model
ORDER BY bucket, org_id, project_id, model
