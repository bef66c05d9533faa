-- domain: telemetry
-- seed: 003
-- description: Drop the hypertable time indexes of 0061

DROP INDEX idx_correlations_timestamp ON correlations;
DROP INDEX idx_events_timestamp ON events;
DROP INDEX idx_usage_events_time ON usage_events;
