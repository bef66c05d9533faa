-- compliance_scores for the UTC days in [:start, :end) — seed 001's compliance query as of the end of
-- each day D: violations detected before D+1; open = status 'open', or 'resolved' with resolved_at on or
-- after D+1; 100.00 for a standard without violations. The quotient is taken at DECIMAL(38,20) so that
-- ROUND(…, 2) rounds once.
WITH RECURSIVE days AS (
    SELECT CAST(:start AS DATE) AS day
    UNION ALL
    SELECT day + INTERVAL 1 DAY FROM days WHERE day + INTERVAL 1 DAY < CAST(:end AS DATE)
),
scores AS (
    SELECT
        days.day AS score_date,
        ms.id AS standard_id,
        ms.category,
        ms.standard_name,
        ms.enforcement_level,
        COUNT(mv.id) AS violation_count,
        COUNT(CASE WHEN mv.status = 'open'
                     OR (mv.status = 'resolved' AND mv.resolved_at >= days.day + INTERVAL 1 DAY)
                   THEN 1 END) AS open_violations
    FROM days
    CROSS JOIN metadata_standards ms
    LEFT JOIN metadata_violations mv
        ON mv.standard_id = ms.id AND mv.detected_at < days.day + INTERVAL 1 DAY
    WHERE ms.is_active = TRUE
    GROUP BY days.day, ms.id, ms.category, ms.standard_name, ms.enforcement_level
)
SELECT
    score_date,
    standard_id,
    category,
    standard_name,
    enforcement_level,
    violation_count,
    open_violations,
    CAST(COALESCE(ROUND((1 - CAST(open_violations AS DECIMAL(38,20)) / NULLIF(violation_count, 0)) * 100, 2), 100)
        AS DECIMAL(5,2)) AS compliance_rate
FROM scores
ORDER BY score_date, standard_id
