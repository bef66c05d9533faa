-- usage_monthly for the months in [:start, :end) (month boundaries) — seed 003's continuous aggregate,
-- straight from the raw usage_events. The pipeline builds the same rows from usage_daily (hierarchical
-- rollup), which stays correct once raw events are archived; this definition needs the raw events.
SELECT
    CAST(date_trunc('month', time) AS date) AS bucket,
    org_id,
    project_id,
    model,
    COUNT(*) AS request_count,
    SUM(input_tokens) AS total_input_tokens,
    SUM(output_tokens) AS total_output_tokens,
    SUM(cost_cents) AS total_cost_cents,
    COUNT(DISTINCT user_id) AS unique_users,
    COUNT(DISTINCT CAST(time AS date)) AS active_days
FROM usage_events
WHERE time >= :start AND time < :end
GROUP BY date_trunc('month', time), org_id, project_id, model
ORDER BY bucket, org_id, project_id, model
