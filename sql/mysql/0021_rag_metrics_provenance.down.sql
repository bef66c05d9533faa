-- domain: rag_provenance
-- seed: 002
-- description: Seed 002 rollback_0002_add_rag_metrics, adapted (base table stays)

-- Adapted from the seed's rollback script: no IF EXISTS and no CASCADE; rag_metrics_history is
-- reverted by 0040's down, the ai_dialogue_log base table by 0020's down. There are no triggers and
-- no enum types to drop on the MySQL family.

DROP TABLE plugin_registry;
DROP TABLE provenance;
DROP TABLE materials;

DROP INDEX idx_ai_dialogue_citation_rate ON ai_dialogue_log;
DROP INDEX idx_ai_dialogue_created_at ON ai_dialogue_log;
DROP INDEX idx_ai_dialogue_session ON ai_dialogue_log;
DROP INDEX idx_ai_dialogue_user ON ai_dialogue_log;

ALTER TABLE ai_dialogue_log DROP CONSTRAINT ck_ai_dialogue_log_user_feedback;

ALTER TABLE ai_dialogue_log
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
