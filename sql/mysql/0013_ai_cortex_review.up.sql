-- domain: ai_cortex
-- seed: 000
-- description: Seed-000 review for the AI cortex: tool_registry implementation types shell and node, index on requires_capability; TiDB monthly partitions and TiFlash replica for token_usage
--
-- Seed 000 §5.1 (implementation_type: 'shell', 'node', appended), §7.1 (index on
-- tool_registry.requires_capability), §4.1 (token_usage partitioned by month), §6.2 (TiFlash replica).
-- idx_token_usage_project_provider_timestamp and idx_token_usage_model_cost exist since 0009.
--
-- TiDB only (-- @tidb): partitioned InnoDB tables cannot have foreign keys on MariaDB/MySQL, so the
-- table stays unpartitioned there. The seed's PARTITION BY RANGE (TO_DAYS(timestamp)) is rejected for a
-- TIMESTAMP column; RANGE (UNIX_TIMESTAMP(`timestamp`)) is the accepted form. Bounds are UTC epoch
-- seconds. The seed's partitions: p202601 (everything before February 2026), p202602, p202603, and the
-- catch-all p_future, which the engine adapter splits (REORGANIZE PARTITION) as months arrive.
-- The primary key (id, `timestamp`) contains the partitioning column, as TiDB requires.

ALTER TABLE tool_registry
    MODIFY COLUMN implementation_type ENUM('python', 'api', 'database', 'wasm', 'shell', 'node') NOT NULL;

CREATE INDEX idx_tool_registry_requires_capability ON tool_registry (requires_capability);

-- @tidb
ALTER TABLE token_usage PARTITION BY RANGE (UNIX_TIMESTAMP(`timestamp`)) (
    PARTITION p202601 VALUES LESS THAN (1769904000),    -- 2026-02-01 00:00:00 UTC
    PARTITION p202602 VALUES LESS THAN (1772323200),    -- 2026-03-01 00:00:00 UTC
    PARTITION p202603 VALUES LESS THAN (1775001600),    -- 2026-04-01 00:00:00 UTC
    PARTITION p_future VALUES LESS THAN (MAXVALUE)
);

-- Columnar replica for the HTAP analytics (30-day trend, cost by model).
-- @tidb
ALTER TABLE token_usage SET TIFLASH REPLICA 1;
