-- domain: sync_audit
-- seed: 000
-- description: Reverts 0015 (TiDB only)

-- @tidb
ALTER TABLE audit_logs SET TIFLASH REPLICA 0;

-- @tidb
ALTER TABLE audit_logs REMOVE PARTITIONING;
