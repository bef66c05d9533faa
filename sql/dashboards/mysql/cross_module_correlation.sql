-- dashboard: Strong cross-module correlations of the last hour, strongest first
-- seed: 004 (query pattern 3 "Cross-Module Correlation"), over correlations and events
-- class: recent
-- targets: p50 < 25 ms (seed 004, recent queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: as_of = the dashboard's now (naive UTC): correlations in [as_of - 1 hour, as_of)
-- The seed's joins on events.id (unique), each event looked up first in the day before the window and
-- the window itself (where a correlation's events are; one or two partitions where events is
-- range-partitioned, as on TiDB), and over all of events only when it is not there: the same rows.
WITH strong AS (
    SELECT c.id,
           c.primary_event_id,
           c.related_event_id,
           c.correlation_type,
           c.strength,
           COALESCE(
               (SELECT e.event_type FROM events e
                WHERE e.id = c.primary_event_id
                  AND e.timestamp >= CAST(:as_of AS DATETIME(6)) - INTERVAL 25 HOUR
                  AND e.timestamp < CAST(:as_of AS DATETIME(6))
                LIMIT 1),
               (SELECT e.event_type FROM events e WHERE e.id = c.primary_event_id LIMIT 1)) AS primary_type,
           COALESCE(
               (SELECT e.event_type FROM events e
                WHERE e.id = c.related_event_id
                  AND e.timestamp >= CAST(:as_of AS DATETIME(6)) - INTERVAL 25 HOUR
                  AND e.timestamp < CAST(:as_of AS DATETIME(6))
                LIMIT 1),
               (SELECT e.event_type FROM events e WHERE e.id = c.related_event_id LIMIT 1)) AS related_type
    FROM correlations c
    WHERE c.timestamp >= CAST(:as_of AS DATETIME(6)) - INTERVAL 1 HOUR
      AND c.timestamp < CAST(:as_of AS DATETIME(6))
      AND c.strength > 0.8
)
SELECT primary_event_id AS primary_event,
       primary_type,
       related_event_id AS related_event,
       related_type,
       correlation_type,
       strength
FROM strong
WHERE primary_type IS NOT NULL
  AND related_type IS NOT NULL
ORDER BY strength DESC, id
