-- domain: telemetry
-- seed: 003
-- description: Time indexes of the seed 003/004 hypertables the retention job archives: usage_events, events, correlations

-- TimescaleDB's create_hypertable() indexes the time column by default (<table>_time_idx, time DESC),
-- so the seeds' hypertables carry one without spelling it out. The migrations 0030/0031 turned them
-- into range-partitioned tables without it; the retention job's day batches (read, delete) and the
-- rollups' day reads are range scans on it. audit_logs and token_usage have theirs since 0003/0009.
-- Created on the partitioned parents: PostgreSQL creates them on every partition, present and future.
CREATE INDEX idx_usage_events_time ON usage_events (time DESC);
CREATE INDEX idx_events_timestamp ON events ("timestamp" DESC);
CREATE INDEX idx_correlations_timestamp ON correlations ("timestamp" DESC);
