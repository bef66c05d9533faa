-- domain: rag_provenance
-- seed: 002
-- description: Seed 002 optimization indexes (0003_optimize_rag_indexes)

-- idx_rag_metrics_date_unique, the seed file's third index, is created with rag_metrics_history (0040).

-- Optimization #1: user history and unique-user analytics
CREATE INDEX idx_ai_dialogue_user_created ON ai_dialogue_log (user_id, created_at DESC);

-- Optimization #2: retention enforcement ("content expiring in 30 days")
-- partial index on PostgreSQL: retention_years IS NOT NULL; nearest composite here because the MySQL family has no partial indexes (rows without retention are indexed too, under NULL)
CREATE INDEX idx_provenance_expiring ON provenance (retention_years, acquired_at);

-- Optimization #4: discovery of active, healthy plugins
-- partial index on PostgreSQL: enabled = true AND health_status = 'healthy'; nearest composite here because the MySQL family has no partial indexes (the predicate columns lead, so the same lookup is one index range)
CREATE INDEX idx_plugin_enabled_healthy ON plugin_registry (enabled, health_status, name, last_health_check);
