-- domain: rag_provenance
-- seed: 002
-- description: Drop the seed 002 optimization indexes

DROP INDEX idx_plugin_enabled_healthy;
DROP INDEX idx_provenance_expiring;
DROP INDEX idx_ai_dialogue_user_created;
