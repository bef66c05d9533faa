-- domain: ai_cortex
-- seed: 001
-- description: Reverts 0006 (seed 001's v1.1.0 rollback order for these tables; token_usage drops its partitions)

DROP TABLE external_tool_access;
DROP TABLE tool_registry;
DROP TABLE api_configurations;
DROP TABLE token_usage;
