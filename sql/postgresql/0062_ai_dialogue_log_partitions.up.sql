-- domain: rag_provenance
-- seed: 002
-- description: ai_dialogue_log range-partitioned by month on created_at (seed 002 "Partitioning Strategy", phase 3)

-- Seed 002 defers partitioning to phase 3, "when daily query volume exceeds 100K", and gives the
-- strategy: monthly range partitions on created_at, for recent-data queries, archival by partition and
-- bulk loads. The generator's scale 10 is that volume (100k dialogues a day), so the table takes the
-- seed's strategy now, as token_usage (0006) and usage_events (0030) have it.
-- - The primary key includes the partition column, (id, created_at), as PostgreSQL requires of a
--   partitioned table's unique keys; nothing references ai_dialogue_log.
-- - Indexes, the CHECK, the foreign key to users, the trigger and the comments keep their names.
-- - ai_dialogue_log_default catches rows until the engine adapter creates ai_dialogue_log_pYYYYMM
--   partitions (it moves a month's rows out of DEFAULT when it creates that month's partition).
-- - The rows already there move in this migration's transaction.
ALTER TABLE ai_dialogue_log RENAME TO ai_dialogue_log_unpartitioned;
ALTER TABLE ai_dialogue_log_unpartitioned RENAME CONSTRAINT ai_dialogue_log_pkey TO ai_dialogue_log_unpartitioned_pkey;
DROP INDEX idx_ai_dialogue_user, idx_ai_dialogue_session, idx_ai_dialogue_created_at, idx_ai_dialogue_citation_rate,
    idx_ai_dialogue_user_created;

CREATE TABLE ai_dialogue_log (
    LIKE ai_dialogue_log_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS,
    CONSTRAINT ai_dialogue_log_pkey PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE ai_dialogue_log_default PARTITION OF ai_dialogue_log DEFAULT;

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

COMMENT ON TABLE ai_dialogue_log IS 'RAG dialogue logs with citation tracking and quality metrics, range-partitioned by month on created_at (seed 002, phase 3)';

INSERT INTO ai_dialogue_log SELECT * FROM ai_dialogue_log_unpartitioned;
DROP TABLE ai_dialogue_log_unpartitioned;
