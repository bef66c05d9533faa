-- dashboard: Strong cross-module correlations of the last hour, strongest first
-- seed: 004 (query pattern 3 "Cross-Module Correlation"), over correlations and events
-- class: recent
-- targets: p50 < 25 ms (seed 004, recent queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: as_of = the dashboard's now (naive UTC): correlations in [as_of - 1 hour, as_of)
-- The seed's joins on events.id (unique), each event looked up first in the partitions of the day
-- before the window and the window itself (where a correlation's events are), and across every
-- partition only when it is not there: the same rows, with the common lookup pruned.
WITH strong AS MATERIALIZED (
    SELECT c.id,
           c.primary_event_id,
           c.related_event_id,
           c.correlation_type,
           c.strength,
           COALESCE(
               (SELECT e.event_type FROM events e
                WHERE e.id = c.primary_event_id
                  AND e.timestamp >= ((CAST(:as_of AS timestamp) - INTERVAL '25 hours') AT TIME ZONE 'UTC')
                  AND e.timestamp < (CAST(:as_of AS timestamp) AT TIME ZONE 'UTC')
                LIMIT 1),
               (SELECT e.event_type FROM events e WHERE e.id = c.primary_event_id LIMIT 1)) AS primary_type,
           COALESCE(
               (SELECT e.event_type FROM events e
                WHERE e.id = c.related_event_id
                  AND e.timestamp >= ((CAST(:as_of AS timestamp) - INTERVAL '25 hours') AT TIME ZONE 'UTC')
                  AND e.timestamp < (CAST(:as_of AS timestamp) AT TIME ZONE 'UTC')
                LIMIT 1),
               (SELECT e.event_type FROM events e WHERE e.id = c.related_event_id LIMIT 1)) AS related_type
    FROM correlations c
    WHERE c.timestamp >= ((CAST(:as_of AS timestamp) - INTERVAL '1 hour') AT TIME ZONE 'UTC')
      AND c.timestamp < (CAST(:as_of AS timestamp) AT TIME ZONE 'UTC')
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
