-- dashboard: Open metadata violations, newest first (at most 100)
-- seed: 000 (partial index idx_violations_open_detected ... WHERE status = 'open'), over metadata_violations
-- note: the MySQL family has no partial index: idx_violations_open_detected is (status, detected_at DESC) there
-- class: recent
-- targets: p50 < 25 ms (seed 004, recent queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: as_of = the dashboard's now (naive UTC): violations detected before it
SELECT id, standard_id, resource_type, resource_id, violation_value, suggested_fix, detected_at
FROM metadata_violations
WHERE status = 'open'
  AND detected_at < CAST(:as_of AS DATETIME(6))
ORDER BY detected_at DESC, id
LIMIT 100
