-- domain: sync_audit
-- seed: 001, 003
-- description: Reverts 0003 (audit triggers and function, then the tables; audit_logs drops its partitions)

DROP TRIGGER audit_policies ON policies;
DROP TRIGGER audit_mcp_servers ON mcp_servers;
DROP TRIGGER audit_projects ON projects;
DROP TRIGGER audit_organizations ON organizations;
DROP FUNCTION audit_trigger_func();

DROP TABLE version_history;
DROP TABLE audit_logs;
DROP TABLE propagation_log;
DROP TABLE sync_buffer;
