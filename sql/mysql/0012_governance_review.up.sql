-- domain: governance
-- seed: 000
-- description: Seed-000 review for governance: extra status/protocol values, metadata_standards.last_violation_at, auto-fix history on metadata_violations, TiFlash replica
--
-- Seed 000 §5.1 (ENUM completeness; values appended, which keeps existing rows' ENUM indexes),
-- §7.1 (last_violation_at), §7.2 (auto-fix history), §6.2 (TiFlash replica for metadata_violations,
-- TiDB only). The recommended indexes idx_violations_open_detected and idx_violations_standard_status
-- already exist (0008). One change per statement, so a failure halfway is easy to finish by hand.

-- Violation workflow: under review, and false positives (kept, not deleted, for the audit trail).
ALTER TABLE metadata_violations
    MODIFY COLUMN status ENUM('open', 'resolved', 'suppressed', 'in_review', 'false_positive') NOT NULL DEFAULT 'open';

-- Clock sources and states.
ALTER TABLE clock_sync_status
    MODIFY COLUMN protocol ENUM('NTP', 'PTP', 'Browser', 'Server', 'GPS', 'Manual') NOT NULL;
ALTER TABLE clock_sync_status
    MODIFY COLUMN status ENUM('synchronized', 'drifting', 'error', 'unknown', 'initializing') NOT NULL;

-- Quick status lookup without aggregating metadata_violations; maintained by the violation writer.
ALTER TABLE metadata_standards ADD COLUMN last_violation_at TIMESTAMP(6) NULL
    COMMENT 'detected_at of the latest violation of this standard (maintained by the writer)';

-- Auto-fix history.
ALTER TABLE metadata_violations ADD COLUMN auto_fix_applied BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE metadata_violations ADD COLUMN auto_fix_applied_at TIMESTAMP(6) NULL;
ALTER TABLE metadata_violations ADD COLUMN auto_fix_details JSON
    COMMENT 'What the automatic fix changed (e.g. {"from": ..., "to": ..., "fixer": ...})';

-- Columnar replica for the compliance analytics (seed 000 §6.2, seed 001 "TiFlash Columnar Storage").
-- @tidb
ALTER TABLE metadata_violations SET TIFLASH REPLICA 1;
