-- domain: rag_provenance
-- seed: 002
-- description: Drop the ai_dialogue_log base table

DROP TRIGGER update_ai_dialogue_log_updated_at ON ai_dialogue_log;
DROP TABLE ai_dialogue_log;
