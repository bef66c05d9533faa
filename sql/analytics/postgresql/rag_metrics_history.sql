-- rag_metrics_history for the UTC days in [:start, :end) — CONTRACTS.md "Derived tables", seed 002 queries.
-- Parameters: :start, :end (UTC midnights); :target_citation_rate, :target_p95_latency_ms,
-- :target_cost_per_answer (policies/slo_targets.yaml; its operators are written below).
-- A day without ai_dialogue_log rows still has a row: total_queries 0, rates null.
WITH days AS (
    SELECT CAST(d AS date) AS day
    FROM generate_series(CAST(:start AS timestamp), CAST(:end AS timestamp) - INTERVAL '1 day', INTERVAL '1 day') AS d
),
daily AS (
    SELECT
        CAST(created_at AS date) AS day,
        COUNT(*) AS total_queries,
        AVG(CASE WHEN (CASE WHEN jsonb_typeof(citations) = 'array' THEN jsonb_array_length(citations) ELSE 0 END) > 0
                 THEN 100.0 ELSE 0.0 END) AS citation_rate,
        SUM(CASE WHEN jsonb_typeof(citations) = 'array' THEN jsonb_array_length(citations) ELSE 0 END) AS citation_count,
        AVG(latency_ms) AS avg_latency_ms,
        PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50_latency_ms,
        PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_latency_ms,
        PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99_latency_ms,
        COUNT(DISTINCT user_id) AS unique_users,
        SUM(total_tokens) AS total_tokens,
        SUM(token_cost_jpy) AS total_cost,
        AVG(relevance_score) AS avg_relevance_score,
        100.0 * COUNT(CASE WHEN user_feedback = 1 THEN 1 END)
            / NULLIF(COUNT(CASE WHEN user_feedback IN (-1, 1) THEN 1 END), 0) AS positive_feedback_rate
    FROM ai_dialogue_log
    WHERE created_at >= :start AND created_at < :end
    GROUP BY CAST(created_at AS date)
),
day_metrics AS (
    SELECT
        days.day AS date,
        COALESCE(daily.total_queries, 0) AS total_queries,
        CAST(ROUND(daily.citation_rate, 2) AS numeric(5,2)) AS citation_rate,
        COALESCE(daily.citation_count, 0) AS citation_count,
        CAST(ROUND(daily.avg_latency_ms, 2) AS numeric(10,2)) AS avg_latency_ms,
        CAST(daily.p50_latency_ms AS numeric(10,2)) AS p50_latency_ms,
        CAST(daily.p95_latency_ms AS numeric(10,2)) AS p95_latency_ms,
        CAST(daily.p99_latency_ms AS numeric(10,2)) AS p99_latency_ms,
        COALESCE(daily.unique_users, 0) AS unique_users,
        COALESCE(daily.total_tokens, 0) AS total_tokens,
        CAST(COALESCE(daily.total_cost, 0) AS numeric(10,2)) AS total_cost,
        CAST(ROUND(daily.total_cost / daily.total_queries, 2) AS numeric(6,2)) AS cost_per_answer,
        CAST(ROUND(daily.avg_relevance_score, 2) AS numeric(3,2)) AS avg_relevance_score,
        CAST(ROUND(daily.positive_feedback_rate, 2) AS numeric(5,2)) AS positive_feedback_rate
    FROM days
    LEFT JOIN daily ON daily.day = days.day
)
SELECT
    day_metrics.*,
    jsonb_build_object(
        'citation_rate', jsonb_build_object('target', :target_citation_rate, 'op', '>=',
            'actual', citation_rate, 'met', citation_rate >= :target_citation_rate),
        'p95_latency_ms', jsonb_build_object('target', :target_p95_latency_ms, 'op', '<=',
            'actual', p95_latency_ms, 'met', p95_latency_ms <= :target_p95_latency_ms),
        'cost_per_answer', jsonb_build_object('target', :target_cost_per_answer, 'op', '<=',
            'actual', cost_per_answer, 'met', cost_per_answer <= :target_cost_per_answer)
    ) AS slo_compliance
FROM day_metrics
ORDER BY date
