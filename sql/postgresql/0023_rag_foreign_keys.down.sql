-- domain: rag_provenance
-- seed: 002
-- description: Drop the seed 002 foreign keys

ALTER TABLE provenance DROP CONSTRAINT fk_provenance_acquired_by;
DROP INDEX idx_provenance_acquired_by;
ALTER TABLE provenance DROP CONSTRAINT fk_provenance_content;
ALTER TABLE ai_dialogue_log DROP CONSTRAINT fk_ai_dialogue_user;
