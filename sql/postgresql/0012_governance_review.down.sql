-- domain: governance
-- seed: 000
-- description: Reverts 0012 (restoring the narrower CHECKs fails while rows use the added values: map them first)

ALTER TABLE metadata_violations DROP COLUMN auto_fix_details;
ALTER TABLE metadata_violations DROP COLUMN auto_fix_applied_at;
ALTER TABLE metadata_violations DROP COLUMN auto_fix_applied;

ALTER TABLE metadata_standards DROP COLUMN last_violation_at;

ALTER TABLE clock_sync_status DROP CONSTRAINT ck_clock_sync_status_status;
ALTER TABLE clock_sync_status ADD CONSTRAINT ck_clock_sync_status_status
    CHECK (status IN ('synchronized', 'drifting', 'error'));
ALTER TABLE clock_sync_status DROP CONSTRAINT ck_clock_sync_status_protocol;
ALTER TABLE clock_sync_status ADD CONSTRAINT ck_clock_sync_status_protocol
    CHECK (protocol IN ('NTP', 'PTP', 'Browser', 'Server'));

ALTER TABLE metadata_violations DROP CONSTRAINT ck_metadata_violations_status;
ALTER TABLE metadata_violations ADD CONSTRAINT ck_metadata_violations_status
    CHECK (status IN ('open', 'resolved', 'suppressed'));
