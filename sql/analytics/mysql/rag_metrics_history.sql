-- rag_metrics_history for the UTC days in [:start, :end) — CONTRACTS.md "Derived tables", seed 002 queries,
-- for the MySQL family (MariaDB 10.3+: PERCENTILE_CONT exists only as a window function; it skips NULLs).
-- Parameters: :start, :end (UTC midnights); :target_citation_rate, :target_p95_latency_ms,
-- :target_cost_per_answer (policies/slo_targets.yaml; its operators are written below).
-- Quotients are taken at DECIMAL(38,10) or finer before ROUND(…, 2): the default division scale (+4
-- digits) would round twice. A day without ai_dialogue_log rows still has a row.
WITH RECURSIVE days AS (
    SELECT CAST(:start AS DATE) AS day
    UNION ALL
    SELECT day + INTERVAL 1 DAY FROM days WHERE day + INTERVAL 1 DAY < CAST(:end AS DATE)
),
dialogue AS (
    SELECT
        DATE(created_at) AS day,
        user_id,
        CASE WHEN JSON_TYPE(citations) = 'ARRAY' THEN JSON_LENGTH(citations) ELSE 0 END AS citation_length,
        latency_ms,
        total_tokens,
        token_cost_jpy,
        relevance_score,
        user_feedback,
        PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY latency_ms) OVER (PARTITION BY DATE(created_at)) AS p50,
        PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY latency_ms) OVER (PARTITION BY DATE(created_at)) AS p95,
        PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY latency_ms) OVER (PARTITION BY DATE(created_at)) AS p99
    FROM ai_dialogue_log
    WHERE created_at >= :start AND created_at < :end
),
daily AS (
    SELECT
        day,
        COUNT(*) AS total_queries,
        AVG(CASE WHEN citation_length > 0 THEN CAST(100 AS DECIMAL(38,10)) ELSE 0 END) AS citation_rate,
        SUM(citation_length) AS citation_count,
        AVG(CAST(latency_ms AS DECIMAL(38,10))) AS avg_latency_ms,
        MAX(p50) AS p50_latency_ms,
        MAX(p95) AS p95_latency_ms,
        MAX(p99) AS p99_latency_ms,
        COUNT(DISTINCT user_id) AS unique_users,
        SUM(total_tokens) AS total_tokens,
        SUM(token_cost_jpy) AS total_cost,
        AVG(CAST(relevance_score AS DECIMAL(38,10))) AS avg_relevance_score,
        CAST(100 * COUNT(CASE WHEN user_feedback = 1 THEN 1 END) AS DECIMAL(38,10))
            / NULLIF(COUNT(CASE WHEN user_feedback IN (-1, 1) THEN 1 END), 0) AS positive_feedback_rate
    FROM dialogue
    GROUP BY day
),
day_metrics AS (
    SELECT
        days.day AS date,
        COALESCE(daily.total_queries, 0) AS total_queries,
        CAST(ROUND(daily.citation_rate, 2) AS DECIMAL(5,2)) AS citation_rate,
        CAST(COALESCE(daily.citation_count, 0) AS SIGNED) AS citation_count,
        CAST(ROUND(daily.avg_latency_ms, 2) AS DECIMAL(10,2)) AS avg_latency_ms,
        CAST(daily.p50_latency_ms AS DECIMAL(10,2)) AS p50_latency_ms,
        CAST(daily.p95_latency_ms AS DECIMAL(10,2)) AS p95_latency_ms,
        CAST(daily.p99_latency_ms AS DECIMAL(10,2)) AS p99_latency_ms,
        COALESCE(daily.unique_users, 0) AS unique_users,
        CAST(COALESCE(daily.total_tokens, 0) AS SIGNED) AS total_tokens,
        CAST(COALESCE(daily.total_cost, 0) AS DECIMAL(10,2)) AS total_cost,
        CAST(ROUND(CAST(daily.total_cost AS DECIMAL(38,10)) / daily.total_queries, 2) AS DECIMAL(6,2))
            AS cost_per_answer,
        CAST(ROUND(daily.avg_relevance_score, 2) AS DECIMAL(3,2)) AS avg_relevance_score,
        CAST(ROUND(daily.positive_feedback_rate, 2) AS DECIMAL(5,2)) AS positive_feedback_rate
    FROM days
    LEFT JOIN daily ON daily.day = days.day
)
SELECT
    day_metrics.*,
    JSON_OBJECT(
        'citation_rate', JSON_OBJECT('target', :target_citation_rate, 'op', '>=', 'actual', citation_rate,
            'met', CASE WHEN citation_rate IS NULL THEN NULL
                        WHEN citation_rate >= :target_citation_rate THEN JSON_EXTRACT('true', '$')
                        ELSE JSON_EXTRACT('false', '$') END),
        'p95_latency_ms', JSON_OBJECT('target', :target_p95_latency_ms, 'op', '<=', 'actual', p95_latency_ms,
            'met', CASE WHEN p95_latency_ms IS NULL THEN NULL
                        WHEN p95_latency_ms <= :target_p95_latency_ms THEN JSON_EXTRACT('true', '$')
                        ELSE JSON_EXTRACT('false', '$') END),
        'cost_per_answer', JSON_OBJECT('target', :target_cost_per_answer, 'op', '<=', 'actual', cost_per_answer,
            'met', CASE WHEN cost_per_answer IS NULL THEN NULL
                        WHEN cost_per_answer <= :target_cost_per_answer THEN JSON_EXTRACT('true', '$')
                        ELSE JSON_EXTRACT('false', '$') END)
    ) AS slo_compliance
FROM day_metrics
ORDER BY date
