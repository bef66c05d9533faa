-- domain: ai_cortex
-- seed: 001
-- description: Reverts 0009

DROP INDEX idx_token_usage_model_cost;
DROP INDEX idx_token_usage_project_provider_timestamp;
