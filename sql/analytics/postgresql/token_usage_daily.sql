-- token_usage_daily for the UTC days in [:start, :end) — seed 001's 30-day token usage trend, per day.
SELECT
    CAST(timestamp AS date) AS usage_date,
    project_id,
    provider,
    COUNT(*) AS request_count,
    SUM(input_tokens) AS total_input,
    SUM(output_tokens) AS total_output,
    CAST(SUM(total_cost) AS numeric(14,4)) AS daily_cost
FROM token_usage
WHERE timestamp >= :start AND timestamp < :end
GROUP BY CAST(timestamp AS date), project_id, provider
ORDER BY usage_date, project_id, provider
