-- clock_drift_daily for the UTC days in [:start, :end) — per day of last_sync_at and component: samples,
-- max and p95 of |offset_microseconds|, shares of synchronized, drifting and error. The p95 is a MariaDB
-- PERCENTILE_CONT window function carried into the GROUP BY with MAX; the shares are taken at
-- DECIMAL(38,20) so that ROUND(…, 2) rounds once.
SELECT
    day,
    component_name,
    COUNT(*) AS samples,
    MAX(abs_offset) AS max_abs_offset_us,
    MAX(p95) AS p95_abs_offset_us,
    CAST(ROUND(SUM(status = 'synchronized') * CAST(100 AS DECIMAL(38,20)) / COUNT(*), 2) AS DECIMAL(5,2)) AS synchronized_share,
    CAST(ROUND(SUM(status = 'drifting') * CAST(100 AS DECIMAL(38,20)) / COUNT(*), 2) AS DECIMAL(5,2)) AS drifting_share,
    CAST(ROUND(SUM(status = 'error') * CAST(100 AS DECIMAL(38,20)) / COUNT(*), 2) AS DECIMAL(5,2)) AS error_share
FROM (
    SELECT
        CAST(last_sync_at AS DATE) AS day,
        component_name,
        status,
        ABS(offset_microseconds) AS abs_offset,
        PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY ABS(offset_microseconds))
            OVER (PARTITION BY CAST(last_sync_at AS DATE), component_name) AS p95
    FROM clock_sync_status
    WHERE last_sync_at >= :start AND last_sync_at < :end
) AS samples
GROUP BY day, component_name
ORDER BY day, component_name
