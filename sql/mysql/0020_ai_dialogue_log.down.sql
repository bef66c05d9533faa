-- domain: rag_provenance
-- seed: 002
-- description: Drop the ai_dialogue_log base table

DROP TABLE ai_dialogue_log;
