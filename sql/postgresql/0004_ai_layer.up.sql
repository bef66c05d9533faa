-- domain: ai_layer
-- seed: 001
-- description: Seed 001 v1.0.0 AI layer: context_windows, cached_responses
--
-- PostgreSQL spelling of seed 001 (see 0002's header). cached_responses declares prompt_hash UNIQUE
-- and also indexes it as idx_hash: the unique constraint (named after the seed's index) serves both.

CREATE TABLE context_windows (
    id                   uuid        NOT NULL,
    project_id           uuid        NOT NULL,
    conversation_history jsonb       NOT NULL,
    current_tokens       integer     NOT NULL,
    max_tokens           integer     NOT NULL DEFAULT 200000,
    last_message_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT context_windows_pkey PRIMARY KEY (id),
    CONSTRAINT fk_context_windows_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
);

CREATE INDEX idx_context_windows_project ON context_windows (project_id);

COMMENT ON TABLE context_windows IS 'Conversation context of a project and its token budget (seed 001)';

CREATE TABLE cached_responses (
    id          uuid         NOT NULL,
    prompt_hash varchar(64)  NOT NULL,
    prompt      text         NOT NULL,
    response    jsonb        NOT NULL,
    provider    varchar(100) NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    hit_count   integer      DEFAULT 0,
    CONSTRAINT cached_responses_pkey PRIMARY KEY (id),
    CONSTRAINT idx_cached_responses_hash UNIQUE (prompt_hash)
);

CREATE INDEX idx_cached_responses_provider ON cached_responses (provider);
CREATE INDEX idx_cached_responses_created ON cached_responses (created_at);

COMMENT ON TABLE cached_responses IS 'AI responses cached by prompt hash, with hit count (seed 001)';
