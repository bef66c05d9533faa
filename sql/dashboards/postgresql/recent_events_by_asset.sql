-- dashboard: Recent events of an asset, the last 24 hours, newest first (at most 1000)
-- seed: 004 (query pattern 1 "Recent Events by Asset", idx_events_asset_time), over events
-- class: recent
-- targets: p50 < 25 ms (seed 004, recent queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: asset_id = an asset of events; as_of = the dashboard's now (naive UTC): events in [as_of - 24 hours, as_of)
SELECT *
FROM events
WHERE asset_id = :asset_id
  AND timestamp >= ((CAST(:as_of AS timestamp) - INTERVAL '24 hours') AT TIME ZONE 'UTC')
  AND timestamp < (CAST(:as_of AS timestamp) AT TIME ZONE 'UTC')
ORDER BY timestamp DESC
LIMIT 1000
