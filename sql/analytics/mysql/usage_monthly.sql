-- usage_monthly for the months in [:start, :end) (month boundaries) — seed 003's continuous aggregate,
-- straight from the raw usage_events, for the MySQL family. The pipeline builds the same rows from
-- usage_daily (hierarchical rollup), which stays correct once raw events are archived.
SELECT
    CAST(DATE_FORMAT(time, '%Y-%m-01') AS DATE) AS bucket,
    org_id,
    project_id,
    model,
    COUNT(*) AS request_count,
    CAST(SUM(input_tokens) AS SIGNED) AS total_input_tokens,
    CAST(SUM(output_tokens) AS SIGNED) AS total_output_tokens,
    CAST(SUM(cost_cents) AS SIGNED) AS total_cost_cents,
    COUNT(DISTINCT user_id) AS unique_users,
    COUNT(DISTINCT DATE(time)) AS active_days
FROM usage_events
WHERE time >= :start AND time < :end
GROUP BY DATE_FORMAT(time, '%Y-%m-01'), org_id, project_id, model
ORDER BY bucket, org_id, project_id, model
