-- domain: rag_provenance
-- seed: 002
-- description: Seed 002 rollback_0002_add_rag_metrics, adapted (base table and function stay)

-- Adapted from the seed's rollback script: no IF EXISTS and no CASCADE (the runner knows what is
-- applied, and a dependent object must stop the rollback rather than vanish with it); no BEGIN/COMMIT
-- (the runner wraps the migration); rag_metrics_history is reverted by 0040's down; the
-- ai_dialogue_log base table and its trigger by 0020's down; update_updated_at_column() by 0001's down.

DROP TRIGGER update_plugin_registry_updated_at ON plugin_registry;
DROP TRIGGER update_provenance_updated_at ON provenance;
DROP TRIGGER update_materials_updated_at ON materials;

DROP TABLE plugin_registry;
DROP TABLE provenance;
DROP TABLE materials;

DROP INDEX idx_ai_dialogue_citation_rate;
DROP INDEX idx_ai_dialogue_created_at;
DROP INDEX idx_ai_dialogue_session;
DROP INDEX idx_ai_dialogue_user;

ALTER TABLE ai_dialogue_log
    DROP CONSTRAINT ck_ai_dialogue_log_user_feedback,
    DROP COLUMN temperature,
    DROP COLUMN context_window_size,
    DROP COLUMN user_feedback,
    DROP COLUMN relevance_score,
    DROP COLUMN total_tokens,
    DROP COLUMN completion_tokens,
    DROP COLUMN prompt_tokens,
    DROP COLUMN citation_rate,
    DROP COLUMN token_cost_jpy,
    DROP COLUMN latency_ms,
    DROP COLUMN citations;

DROP TYPE license_type;
DROP TYPE acquisition_method;
DROP TYPE content_type;
