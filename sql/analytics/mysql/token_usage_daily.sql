-- token_usage_daily for the UTC days in [:start, :end) — seed 001's 30-day token usage trend, per day.
SELECT
    DATE(timestamp) AS usage_date,
    project_id,
    provider,
    COUNT(*) AS request_count,
    CAST(SUM(input_tokens) AS SIGNED) AS total_input,
    CAST(SUM(output_tokens) AS SIGNED) AS total_output,
    CAST(SUM(total_cost) AS DECIMAL(14,4)) AS daily_cost
FROM token_usage
WHERE timestamp >= :start AND timestamp < :end
GROUP BY DATE(timestamp), project_id, provider
ORDER BY usage_date, project_id, provider
