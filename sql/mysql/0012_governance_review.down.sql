-- domain: governance
-- seed: 000
-- description: Reverts 0012 (restoring the narrower ENUMs fails while rows use the added values: map them first)

-- @tidb
ALTER TABLE metadata_violations SET TIFLASH REPLICA 0;

ALTER TABLE metadata_violations DROP COLUMN auto_fix_details;
ALTER TABLE metadata_violations DROP COLUMN auto_fix_applied_at;
ALTER TABLE metadata_violations DROP COLUMN auto_fix_applied;

ALTER TABLE metadata_standards DROP COLUMN last_violation_at;

ALTER TABLE clock_sync_status
    MODIFY COLUMN status ENUM('synchronized', 'drifting', 'error') NOT NULL;
ALTER TABLE clock_sync_status
    MODIFY COLUMN protocol ENUM('NTP', 'PTP', 'Browser', 'Server') NOT NULL;

ALTER TABLE metadata_violations
    MODIFY COLUMN status ENUM('open', 'resolved', 'suppressed') NOT NULL DEFAULT 'open';
