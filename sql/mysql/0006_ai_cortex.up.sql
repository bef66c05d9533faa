-- domain: ai_cortex
-- seed: 001
-- description: Seed 001 v1.1.0 AI cortex: token_usage, api_configurations, tool_registry, external_tool_access
--
-- Seed 001's TiDB DDL; constraints are named. Differences:
--   * token_usage's primary key is (id, `timestamp`), not (id): TiDB can only range-partition it by
--     month on `timestamp` (migration 0013) if every unique key contains that column. It stays
--     unpartitioned on MariaDB/MySQL. token_usage.project_id is a soft reference (no FOREIGN KEY).
--   * Columns referencing projects.id are CHAR(36) like projects.id (TiDB requires a foreign key
--     column to have its parent's exact type).

CREATE TABLE token_usage (
    id                VARCHAR(36)   NOT NULL,
    project_id        VARCHAR(36)   NOT NULL,           -- soft -> projects.id
    provider          VARCHAR(50)   NOT NULL,           -- 'claude', 'openai', 'phi3', 'tinyllama'
    model             VARCHAR(100)  NOT NULL,           -- 'claude-sonnet-4-5-20250929', 'gpt-4-turbo'
    input_tokens      INT           NOT NULL DEFAULT 0,
    output_tokens     INT           NOT NULL DEFAULT 0,
    total_cost        DECIMAL(10,4) NOT NULL DEFAULT 0.0000,
    operation_type    VARCHAR(50),                      -- 'chat', 'estimation', 'tool_call'
    dashboard_context VARCHAR(100),                     -- Which dashboard triggered this
    `timestamp`       TIMESTAMP(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id, `timestamp`),
    INDEX idx_project_timestamp (project_id, `timestamp` DESC),
    INDEX idx_provider_timestamp (provider, `timestamp` DESC),
    INDEX idx_model (model),
    INDEX idx_timestamp (`timestamp` DESC)
) ENGINE=InnoDB COMMENT='Token consumption and cost of every AI operation; monthly partitions on TiDB (seed 001)';

CREATE TABLE api_configurations (
    id                VARCHAR(36)    NOT NULL,
    project_id        CHAR(36)       NOT NULL,
    provider          VARCHAR(50)    NOT NULL,          -- 'anthropic', 'openai', 'azure', 'local'
    api_key_encrypted VARBINARY(512),                   -- AES-256-GCM encrypted (application layer)
    model             VARCHAR(100)   NOT NULL,
    temperature       DECIMAL(3,2)   DEFAULT 0.70,
    max_tokens        INT            DEFAULT 4096,
    enabled           BOOLEAN        NOT NULL DEFAULT TRUE,
    priority          INT            DEFAULT 0,         -- For provider fallback ordering
    created_at        TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at        TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uk_project_provider (project_id, provider),
    INDEX idx_enabled (enabled),
    CONSTRAINT fk_api_configurations_project_id
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Per-project AI provider configuration with encrypted API key and fallback priority (seed 001)';

CREATE TABLE tool_registry (
    id                  VARCHAR(36)  NOT NULL,
    name                VARCHAR(255) NOT NULL,
    category            VARCHAR(50)  NOT NULL,          -- 'file_ops', 'database', 'git', 'ai', 'external'
    description         TEXT         NOT NULL,
    implementation_type ENUM('python', 'api', 'database', 'wasm') NOT NULL,
    config              JSON         NOT NULL,          -- Tool-specific configuration schema
    is_system           BOOLEAN      NOT NULL DEFAULT FALSE,  -- System tools vs user-defined
    requires_capability VARCHAR(100),                   -- Security capability required
    created_at          TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_tool_registry_name UNIQUE (name),
    INDEX idx_category (category),
    INDEX idx_system (is_system)
) ENGINE=InnoDB COMMENT='Catalog of tools AI agents can invoke (seed 001)';

CREATE TABLE external_tool_access (
    id               VARCHAR(36)  NOT NULL,
    project_id       CHAR(36)     NOT NULL,
    tool_id          VARCHAR(36)  NOT NULL,
    access_type      ENUM('read', 'write', 'admin') NOT NULL DEFAULT 'read',
    oauth_config     JSON,                              -- OAuth tokens, refresh tokens, scopes
    enabled          BOOLEAN      NOT NULL DEFAULT TRUE,
    last_accessed_at TIMESTAMP(6) NULL,
    expires_at       TIMESTAMP(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_project_tool (project_id, tool_id),
    INDEX idx_enabled (enabled),
    INDEX idx_expires (expires_at),
    CONSTRAINT fk_external_tool_access_project_id
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_external_tool_access_tool_id
        FOREIGN KEY (tool_id) REFERENCES tool_registry (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Per-project access (OAuth credentials, scope) to registered external tools (seed 001)';
