-- domain: rag_provenance
-- seed: 002
-- description: Drop the seed 002 optimization indexes

DROP INDEX idx_plugin_enabled_healthy ON plugin_registry;
DROP INDEX idx_provenance_expiring ON provenance;
DROP INDEX idx_ai_dialogue_user_created ON ai_dialogue_log;
