-- domain: sync_audit
-- seed: 001, 003
-- description: Reverts 0003 (tables in reverse foreign-key order)

DROP TABLE version_history;
DROP TABLE audit_logs;
DROP TABLE propagation_log;
DROP TABLE sync_buffer;
