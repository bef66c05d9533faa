-- domain: rag_provenance
-- seed: 002
-- description: Seed 002 referential integrity (0004_add_foreign_keys)

-- fk_ai_dialogue_user uses idx_ai_dialogue_user and fk_provenance_content uses idx_provenance_content
-- (0021); idx_provenance_acquired_by is created first so that fk_provenance_acquired_by does not get
-- an implicit index named after the constraint.

ALTER TABLE ai_dialogue_log
    ADD CONSTRAINT fk_ai_dialogue_user
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;

-- Content with provenance cannot be deleted.
ALTER TABLE provenance
    ADD CONSTRAINT fk_provenance_content
    FOREIGN KEY (content_id) REFERENCES materials (id) ON DELETE RESTRICT;

CREATE INDEX idx_provenance_acquired_by ON provenance (acquired_by);

ALTER TABLE provenance
    ADD CONSTRAINT fk_provenance_acquired_by
    FOREIGN KEY (acquired_by) REFERENCES users (id) ON DELETE SET NULL;
