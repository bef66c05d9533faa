-- domain: governance
-- seed: 000
-- description: Seed-000 review for governance: extra status/protocol values, metadata_standards.last_violation_at, auto-fix history on metadata_violations
--
-- Seed 000 §5.1 (ENUM completeness), §7.1 (last_violation_at), §7.2 (auto-fix history). Seed 001's
-- ENUMs are varchar + CHECK on PostgreSQL, so adding a value replaces the CHECK (seed 000 §5.2's
-- "easier to modify" option). The recommended indexes idx_violations_open_detected and
-- idx_violations_standard_status already exist (0008).

-- Violation workflow: under review, and false positives (kept, not deleted, for the audit trail).
ALTER TABLE metadata_violations DROP CONSTRAINT ck_metadata_violations_status;
ALTER TABLE metadata_violations ADD CONSTRAINT ck_metadata_violations_status
    CHECK (status IN ('open', 'resolved', 'suppressed', 'in_review', 'false_positive'));

-- Clock sources and states.
ALTER TABLE clock_sync_status DROP CONSTRAINT ck_clock_sync_status_protocol;
ALTER TABLE clock_sync_status ADD CONSTRAINT ck_clock_sync_status_protocol
    CHECK (protocol IN ('NTP', 'PTP', 'Browser', 'Server', 'GPS', 'Manual'));
ALTER TABLE clock_sync_status DROP CONSTRAINT ck_clock_sync_status_status;
ALTER TABLE clock_sync_status ADD CONSTRAINT ck_clock_sync_status_status
    CHECK (status IN ('synchronized', 'drifting', 'error', 'unknown', 'initializing'));

-- Quick status lookup without aggregating metadata_violations; maintained by the violation writer.
ALTER TABLE metadata_standards ADD COLUMN last_violation_at timestamptz;
COMMENT ON COLUMN metadata_standards.last_violation_at IS 'detected_at of the latest violation of this standard (maintained by the writer)';

-- Auto-fix history.
ALTER TABLE metadata_violations ADD COLUMN auto_fix_applied boolean NOT NULL DEFAULT FALSE;
ALTER TABLE metadata_violations ADD COLUMN auto_fix_applied_at timestamptz;
ALTER TABLE metadata_violations ADD COLUMN auto_fix_details jsonb;
COMMENT ON COLUMN metadata_violations.auto_fix_details IS 'What the automatic fix changed (e.g. {"from": ..., "to": ..., "fixer": ...})';
