-- high_impact_changes for the UTC days in [:start, :end) — seed 001's High-Impact Changes Report for each
-- day D, over the sync_buffer changes created in [D-6, D+1): more than 3 dashboards affected, the top 10
-- by token cost (descending, nulls last, ties by change_id). AVG of integers is exact here (a DECIMAL),
-- so ROUND(…, 2) rounds once.
WITH RECURSIVE days AS (
    SELECT CAST(:start AS DATE) AS report_date
    UNION ALL
    SELECT report_date + INTERVAL 1 DAY FROM days WHERE report_date + INTERVAL 1 DAY < CAST(:end AS DATE)
),
report AS (
    SELECT
        days.report_date,
        sb.id AS change_id,
        sb.change_type,
        COUNT(DISTINCT pl.affected_dashboard_id) AS affected_dashboards,
        SUM(pl.token_cost) AS total_token_cost,
        CAST(ROUND(AVG(CAST(pl.duration_ms AS DECIMAL(38,10))), 2) AS DECIMAL(10,2)) AS avg_duration_ms
    FROM days
    JOIN sync_buffer sb
        ON sb.created_at >= days.report_date - INTERVAL 6 DAY
       AND sb.created_at < days.report_date + INTERVAL 1 DAY
    JOIN propagation_log pl ON sb.id = pl.sync_buffer_id
    GROUP BY days.report_date, sb.id, sb.change_type
    HAVING COUNT(DISTINCT pl.affected_dashboard_id) > 3
),
ranked AS (
    SELECT report.*,
           ROW_NUMBER() OVER (PARTITION BY report_date
                              ORDER BY total_token_cost IS NULL, total_token_cost DESC, change_id) AS position
    FROM report
)
SELECT report_date, change_id, change_type, affected_dashboards, CAST(total_token_cost AS SIGNED) AS total_token_cost,
       avg_duration_ms, CAST(position AS SIGNED) AS `rank`
FROM ranked
WHERE position <= 10
ORDER BY report_date, position
