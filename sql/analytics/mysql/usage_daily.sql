-- usage_daily for buckets in [:start, :end) — seed 003's continuous aggregate, for the MySQL family.
-- GROUP BY puts the rows without a user_id in one group of their own.
SELECT
    CAST(DATE(time) AS DATETIME(6)) AS bucket,
    org_id,
    project_id,
    model,
    user_id,
    COUNT(*) AS request_count,
    CAST(SUM(input_tokens) AS SIGNED) AS total_input_tokens,
    CAST(SUM(output_tokens) AS SIGNED) AS total_output_tokens,
    CAST(SUM(cost_cents) AS SIGNED) AS total_cost_cents,
    CAST(SUM(latency_ms) AS DOUBLE) / NULLIF(COUNT(latency_ms), 0) AS avg_latency_ms
FROM usage_events
WHERE time >= :start AND time < :end
GROUP BY DATE(time), org_id, project_id, model, user_id
ORDER BY bucket, org_id, project_id, model, user_id
