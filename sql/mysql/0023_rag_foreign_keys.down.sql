-- domain: rag_provenance
-- seed: 002
-- description: Drop the seed 002 foreign keys

ALTER TABLE provenance DROP FOREIGN KEY fk_provenance_acquired_by;
DROP INDEX idx_provenance_acquired_by ON provenance;
ALTER TABLE provenance DROP FOREIGN KEY fk_provenance_content;
ALTER TABLE ai_dialogue_log DROP FOREIGN KEY fk_ai_dialogue_user;
