-- domain: ai_layer
-- seed: 001
-- description: Seed 001 v1.0.0 AI layer: context_windows, cached_responses
--
-- Seed 001's TiDB DDL. context_windows.project_id is CHAR(36) like projects.id (TiDB requires a
-- foreign key column to have its parent's exact type). cached_responses declares prompt_hash UNIQUE
-- and also indexes it as idx_hash: one unique key, named idx_hash, serves both.

CREATE TABLE context_windows (
    id                   VARCHAR(36)  NOT NULL,
    project_id           CHAR(36)     NOT NULL,
    conversation_history JSON         NOT NULL,
    current_tokens       INT          NOT NULL,
    max_tokens           INT          NOT NULL DEFAULT 200000,
    last_message_at      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX idx_project (project_id),
    CONSTRAINT fk_context_windows_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Conversation context of a project and its token budget (seed 001)';

CREATE TABLE cached_responses (
    id          VARCHAR(36)  NOT NULL,
    prompt_hash VARCHAR(64)  NOT NULL,
    prompt      TEXT         NOT NULL,
    response    JSON         NOT NULL,
    provider    VARCHAR(100) NOT NULL,
    created_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    hit_count   INT          DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE INDEX idx_hash (prompt_hash),
    INDEX idx_provider (provider),
    INDEX idx_created (created_at)
) ENGINE=InnoDB COMMENT='AI responses cached by prompt hash, with hit count (seed 001)';
