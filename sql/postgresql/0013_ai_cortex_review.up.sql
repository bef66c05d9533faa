-- domain: ai_cortex
-- seed: 000
-- description: Seed-000 review for the AI cortex: tool_registry implementation types shell and node, index on requires_capability
--
-- Seed 000 §5.1 (implementation_type: consider 'shell', 'node') and §7.1 (index on
-- tool_registry.requires_capability for capability checks). Its token_usage recommendations are already
-- in place: idx_token_usage_project_provider_timestamp and idx_token_usage_model_cost (0009), monthly
-- partitioning (0006). TiFlash replicas and TiDB partitioning are MySQL-family (TiDB) only.

ALTER TABLE tool_registry DROP CONSTRAINT ck_tool_registry_implementation_type;
ALTER TABLE tool_registry ADD CONSTRAINT ck_tool_registry_implementation_type
    CHECK (implementation_type IN ('python', 'api', 'database', 'wasm', 'shell', 'node'));

CREATE INDEX idx_tool_registry_requires_capability ON tool_registry (requires_capability);
