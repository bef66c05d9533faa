-- domain: ai_cortex
-- seed: 001
-- description: Seed 001 v1.1.0 performance indexes for token_usage (project/provider/time, cost by model)
--
-- Created on the partitioned parent: PostgreSQL creates them on every partition, present and future.

-- Composite index for project token analytics (the most common dashboard query:
-- "usage of provider X for project Y over the last 30 days").
CREATE INDEX idx_token_usage_project_provider_timestamp ON token_usage (project_id, provider, "timestamp" DESC);

-- Cost analysis by model.
CREATE INDEX idx_token_usage_model_cost ON token_usage (model, total_cost DESC);
