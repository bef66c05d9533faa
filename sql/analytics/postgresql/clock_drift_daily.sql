-- clock_drift_daily for the UTC days in [:start, :end) — per day of last_sync_at and component: samples,
-- max and p95 (percentile_cont) of |offset_microseconds|, shares of synchronized, drifting and error.
SELECT
    CAST(last_sync_at AS date) AS day,
    component_name,
    COUNT(*) AS samples,
    MAX(ABS(offset_microseconds)) AS max_abs_offset_us,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY ABS(offset_microseconds)) AS p95_abs_offset_us,
    CAST(ROUND(100.0 * COUNT(*) FILTER (WHERE status = 'synchronized') / COUNT(*), 2) AS numeric(5,2)) AS synchronized_share,
    CAST(ROUND(100.0 * COUNT(*) FILTER (WHERE status = 'drifting') / COUNT(*), 2) AS numeric(5,2)) AS drifting_share,
    CAST(ROUND(100.0 * COUNT(*) FILTER (WHERE status = 'error') / COUNT(*), 2) AS numeric(5,2)) AS error_share
FROM clock_sync_status
WHERE last_sync_at >= (CAST(:start AS timestamp) AT TIME ZONE 'UTC')
  AND last_sync_at < (CAST(:end AS timestamp) AT TIME ZONE 'UTC')
GROUP BY CAST(last_sync_at AS date), component_name
ORDER BY day, component_name
