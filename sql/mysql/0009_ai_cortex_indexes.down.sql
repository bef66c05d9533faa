-- domain: ai_cortex
-- seed: 001
-- description: Reverts 0009

DROP INDEX idx_token_usage_model_cost ON token_usage;
DROP INDEX idx_token_usage_project_provider_timestamp ON token_usage;
