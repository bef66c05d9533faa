-- domain: rag_provenance
-- seed: 002
-- description: ai_dialogue_log back to one table, primary key (id)

ALTER TABLE ai_dialogue_log RENAME TO ai_dialogue_log_partitioned;
ALTER TABLE ai_dialogue_log_partitioned RENAME CONSTRAINT ai_dialogue_log_pkey TO ai_dialogue_log_partitioned_pkey;
DROP INDEX idx_ai_dialogue_user, idx_ai_dialogue_session, idx_ai_dialogue_created_at, idx_ai_dialogue_citation_rate,
    idx_ai_dialogue_user_created;

CREATE TABLE ai_dialogue_log (
    LIKE ai_dialogue_log_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS,
    CONSTRAINT ai_dialogue_log_pkey PRIMARY KEY (id)
);

CREATE INDEX idx_ai_dialogue_user ON ai_dialogue_log (user_id);
CREATE INDEX idx_ai_dialogue_session ON ai_dialogue_log (session_id);
CREATE INDEX idx_ai_dialogue_created_at ON ai_dialogue_log (created_at);
CREATE INDEX idx_ai_dialogue_citation_rate ON ai_dialogue_log (citation_rate);
CREATE INDEX idx_ai_dialogue_user_created ON ai_dialogue_log (user_id, created_at DESC);

ALTER TABLE ai_dialogue_log
    ADD CONSTRAINT fk_ai_dialogue_user
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;

CREATE TRIGGER update_ai_dialogue_log_updated_at
    BEFORE UPDATE ON ai_dialogue_log
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE ai_dialogue_log IS 'RAG dialogue logs with citation tracking and quality metrics';

INSERT INTO ai_dialogue_log SELECT * FROM ai_dialogue_log_partitioned;
DROP TABLE ai_dialogue_log_partitioned;
