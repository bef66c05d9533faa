-- domain: rag_provenance
-- seed: 002
-- description: ai_dialogue_log primary key back to (id)

ALTER TABLE ai_dialogue_log DROP PRIMARY KEY, ADD PRIMARY KEY (id);
