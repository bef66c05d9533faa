-- domain: telemetry
-- seed: 003
-- description: Drop usage_events and mcp_usage

DROP TABLE mcp_usage;
DROP TABLE usage_events;
