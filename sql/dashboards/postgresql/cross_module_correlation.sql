-- dashboard: Strong cross-module correlations of the last hour, strongest first
-- seed: 004 (query pattern 3 "Cross-Module Correlation"), over correlations and events
-- class: recent
-- targets: p50 < 25 ms (seed 004, recent queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: as_of = the dashboard's now (naive UTC): correlations in [as_of - 1 hour, as_of)
SELECT e1.id AS primary_event,
       e1.event_type AS primary_type,
       e2.id AS related_event,
       e2.event_type AS related_type,
       c.correlation_type,
       c.strength
FROM correlations c
JOIN events e1 ON c.primary_event_id = e1.id
JOIN events e2 ON c.related_event_id = e2.id
WHERE c.timestamp >= ((CAST(:as_of AS timestamp) - INTERVAL '1 hour') AT TIME ZONE 'UTC')
  AND c.timestamp < (CAST(:as_of AS timestamp) AT TIME ZONE 'UTC')
  AND c.strength > 0.8
ORDER BY c.strength DESC, c.id
