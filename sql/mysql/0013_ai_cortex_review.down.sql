-- domain: ai_cortex
-- seed: 000
-- description: Reverts 0013 (restoring the narrower ENUM fails while tools use 'shell' or 'node')

-- @tidb
ALTER TABLE token_usage SET TIFLASH REPLICA 0;

-- @tidb
ALTER TABLE token_usage REMOVE PARTITIONING;

DROP INDEX idx_tool_registry_requires_capability ON tool_registry;

ALTER TABLE tool_registry
    MODIFY COLUMN implementation_type ENUM('python', 'api', 'database', 'wasm') NOT NULL;
