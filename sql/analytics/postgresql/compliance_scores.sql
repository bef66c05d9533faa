-- compliance_scores for the UTC days in [:start, :end) — seed 001's compliance query as of the end of
-- each day D: violations detected before D+1; open = status 'open', or 'resolved' with resolved_at on or
-- after D+1; 100.00 for a standard without violations.
WITH days AS (
    SELECT CAST(d AS date) AS day
    FROM generate_series(CAST(:start AS timestamp), CAST(:end AS timestamp) - INTERVAL '1 day', INTERVAL '1 day') AS d
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
                     OR (mv.status = 'resolved' AND mv.resolved_at >= CAST(days.day + 1 AS timestamp))
                   THEN 1 END) AS open_violations
    FROM days
    CROSS JOIN metadata_standards ms
    LEFT JOIN metadata_violations mv
        ON mv.standard_id = ms.id AND mv.detected_at < CAST(days.day + 1 AS timestamp)
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
    CAST(COALESCE(ROUND((1 - open_violations * 1.0 / NULLIF(violation_count, 0)) * 100, 2), 100) AS numeric(5,2))
        AS compliance_rate
FROM scores
ORDER BY score_date, standard_id
