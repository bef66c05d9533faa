-- domain: rag_provenance
-- seed: 002
-- description: Seed 002 referential integrity (0004_add_foreign_keys)

ALTER TABLE ai_dialogue_log
    ADD CONSTRAINT fk_ai_dialogue_user
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;

-- Content with provenance cannot be deleted.
ALTER TABLE provenance
    ADD CONSTRAINT fk_provenance_content
    FOREIGN KEY (content_id) REFERENCES materials (id) ON DELETE RESTRICT;

-- Not in the seed: the index behind ON DELETE SET NULL (a user deletion would otherwise scan
-- provenance). The other two foreign keys lead idx_ai_dialogue_user and idx_provenance_content.
-- The MySQL family needs one for every foreign key; both engines get the same name.
CREATE INDEX idx_provenance_acquired_by ON provenance (acquired_by);

ALTER TABLE provenance
    ADD CONSTRAINT fk_provenance_acquired_by
    FOREIGN KEY (acquired_by) REFERENCES users (id) ON DELETE SET NULL;
