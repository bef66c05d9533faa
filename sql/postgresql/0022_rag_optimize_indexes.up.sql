-- domain: rag_provenance
-- seed: 002
-- description: Seed 002 optimization indexes (0003_optimize_rag_indexes)

-- idx_rag_metrics_date_unique, the seed file's third index, is created with rag_metrics_history (0040).

-- Optimization #1: user history and unique-user analytics
CREATE INDEX idx_ai_dialogue_user_created ON ai_dialogue_log (user_id, created_at DESC);

-- Optimization #2: retention enforcement ("content expiring in 30 days")
CREATE INDEX idx_provenance_expiring ON provenance (retention_years, acquired_at)
    WHERE retention_years IS NOT NULL;

-- Optimization #4: discovery of active, healthy plugins
CREATE INDEX idx_plugin_enabled_healthy ON plugin_registry (name, last_health_check)
    WHERE enabled = true AND health_status = 'healthy';
