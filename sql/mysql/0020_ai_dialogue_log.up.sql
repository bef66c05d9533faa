-- domain: rag_provenance
-- seed: 002
-- description: ai_dialogue_log base table (seed 002 critical fix: create the table before 0021 extends it)

-- Seed 002, "ISSUE 1 / Step 1": the phase-2 migration altered ai_dialogue_log without ever creating
-- it. This is the review's base table, created on its own so that 0021 is a pure extension.
-- Seed 002 TIMESTAMP (UTC by convention) is TIMESTAMP(6) here; ON UPDATE replaces the trigger.
CREATE TABLE ai_dialogue_log (
    id          char(36)     NOT NULL DEFAULT (UUID()),
    user_id     char(36)     NOT NULL,
    session_id  char(36)     NOT NULL,
    query       text         NOT NULL,
    response    text         NOT NULL,
    model_used  varchar(100) NOT NULL,
    created_at  timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at  timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='RAG dialogue logs with citation tracking and quality metrics';
