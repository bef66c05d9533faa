-- domain: rag_provenance
-- seed: 002
-- description: ai_dialogue_log base table (seed 002 critical fix: create the table before 0021 extends it)

-- Seed 002, "ISSUE 1 / Step 1": the phase-2 migration altered ai_dialogue_log without ever creating
-- it. This is the review's base table, created on its own so that 0021 is a pure extension.
CREATE TABLE ai_dialogue_log (
    id          uuid         NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid         NOT NULL,
    session_id  uuid         NOT NULL,
    query       text         NOT NULL,
    response    text         NOT NULL,
    model_used  varchar(100) NOT NULL,
    created_at  timestamp    NOT NULL DEFAULT now(),
    updated_at  timestamp    NOT NULL DEFAULT now(),
    CONSTRAINT ai_dialogue_log_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE ai_dialogue_log IS 'RAG dialogue logs with citation tracking and quality metrics';
COMMENT ON COLUMN ai_dialogue_log.created_at IS 'UTC (timestamp without time zone, seed 002)';

-- The seed names this trigger update_ai_dialogue_log_updated_at_base and asks to drop the duplicate
-- created later in its migration; the one trigger left carries the project-wide name.
CREATE TRIGGER update_ai_dialogue_log_updated_at
    BEFORE UPDATE ON ai_dialogue_log
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
