-- domain: telemetry
-- seed: 003
-- description: Drop usage_events and mcp_usage (with all their partitions)

DROP TABLE mcp_usage;
DROP TABLE usage_events;
