-- usage_daily for buckets in [:start, :end) — seed 003's continuous aggregate (time_bucket('1 day')).
-- GROUP BY puts the rows without a user_id in one group of their own.
SELECT
    date_trunc('day', time) AS bucket,
    org_id,
    project_id,
    model,
    user_id,
    COUNT(*) AS request_count,
    SUM(input_tokens) AS total_input_tokens,
    SUM(output_tokens) AS total_output_tokens,
    SUM(cost_cents) AS total_cost_cents,
    CAST(SUM(latency_ms) AS double precision) / NULLIF(COUNT(latency_ms), 0) AS avg_latency_ms
FROM usage_events
WHERE time >= :start AND time < :end
GROUP BY date_trunc('day', time), org_id, project_id, model, user_id
ORDER BY bucket, org_id, project_id, model, user_id
