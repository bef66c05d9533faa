-- domain: telemetry
-- seed: 003
-- description: Drop the hypertable time indexes of 0061

DROP INDEX idx_correlations_timestamp;
DROP INDEX idx_events_timestamp;
DROP INDEX idx_usage_events_time;
