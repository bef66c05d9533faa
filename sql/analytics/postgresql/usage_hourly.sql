-- usage_hourly for buckets in [:start, :end) — seed 003's continuous aggregate (time_bucket('1 hour')).
-- avg_latency_ms is the exact integer mean in one double division (= AVG(latency_ms)::float8 but for
-- the rounding of AVG's numeric quotient to 16 digits).
SELECT
    date_trunc('hour', time) AS bucket,
    org_id,
    project_id,
    model,
    COUNT(*) AS request_count,
    COUNT(*) FILTER (WHERE status = 'success') AS success_count,
    COUNT(*) FILTER (WHERE status = 'error') AS error_count,
    SUM(input_tokens) AS total_input_tokens,
    SUM(output_tokens) AS total_output_tokens,
    SUM(cache_read_tokens) AS total_cache_read_tokens,
    SUM(cost_cents) AS total_cost_cents,
    CAST(SUM(latency_ms) AS double precision) / NULLIF(COUNT(latency_ms), 0) AS avg_latency_ms,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50_latency_ms,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_latency_ms,
    PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99_latency_ms,
    COUNT(DISTINCT user_id) AS unique_users
FROM usage_events
WHERE time >= :start AND time < :end
GROUP BY date_trunc('hour', time), org_id, project_id, model
ORDER BY bucket, org_id, project_id, model
