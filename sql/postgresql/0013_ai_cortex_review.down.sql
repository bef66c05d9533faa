-- domain: ai_cortex
-- seed: 000
-- description: Reverts 0013 (restoring the narrower CHECK fails while tools use 'shell' or 'node')

DROP INDEX idx_tool_registry_requires_capability;

ALTER TABLE tool_registry DROP CONSTRAINT ck_tool_registry_implementation_type;
ALTER TABLE tool_registry ADD CONSTRAINT ck_tool_registry_implementation_type
    CHECK (implementation_type IN ('python', 'api', 'database', 'wasm'));
