-- high_impact_changes for the UTC days in [:start, :end) — seed 001's High-Impact Changes Report for each
-- day D, over the sync_buffer changes created in [D-6, D+1): more than 3 dashboards affected, the top 10
-- by token cost (descending, nulls last, ties by change_id).
WITH days AS (
    SELECT CAST(d AS date) AS report_date
    FROM generate_series(CAST(:start AS timestamp), CAST(:end AS timestamp) - INTERVAL '1 day', INTERVAL '1 day') AS d
),
report AS (
    SELECT
        days.report_date,
        sb.id AS change_id,
        sb.change_type,
        COUNT(DISTINCT pl.affected_dashboard_id) AS affected_dashboards,
        SUM(pl.token_cost) AS total_token_cost,
        CAST(ROUND(AVG(pl.duration_ms), 2) AS numeric(10,2)) AS avg_duration_ms
    FROM days
    JOIN sync_buffer sb
        ON sb.created_at >= (CAST(days.report_date - 6 AS timestamp) AT TIME ZONE 'UTC')
       AND sb.created_at < (CAST(days.report_date + 1 AS timestamp) AT TIME ZONE 'UTC')
    JOIN propagation_log pl ON sb.id = pl.sync_buffer_id
    GROUP BY days.report_date, sb.id, sb.change_type
    HAVING COUNT(DISTINCT pl.affected_dashboard_id) > 3
),
ranked AS (
    SELECT report.*,
           ROW_NUMBER() OVER (PARTITION BY report_date ORDER BY total_token_cost DESC NULLS LAST, change_id) AS position
    FROM report
)
SELECT report_date, change_id, change_type, affected_dashboards, total_token_cost, avg_duration_ms,
       CAST(position AS integer) AS rank
FROM ranked
WHERE position <= 10
ORDER BY report_date, position
