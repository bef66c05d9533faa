-- domain: governance
-- seed: 001
-- description: Reverts 0005 (seed 001's v1.1.0 rollback order for these tables)

DROP TABLE clock_sync_status;
DROP TABLE filesystem_timestamps;
DROP TABLE metadata_violations;
DROP TABLE metadata_standards;
