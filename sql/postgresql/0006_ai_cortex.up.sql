-- domain: ai_cortex
-- seed: 001
-- description: Seed 001 v1.1.0 AI cortex: token_usage (monthly partitions), api_configurations, tool_registry, external_tool_access
--
-- PostgreSQL spelling of seed 001 (see 0002's header); token_usage's seed indexes use seed 000's
-- names (idx_token_usage_project_timestamp, idx_token_usage_provider).
-- token_usage is range-partitioned by month on "timestamp" (seed 000 §4.1, seed 001 "Partitioning
-- Recommendation"): the primary key includes the partition column, (id, "timestamp"), and the
-- DEFAULT partition token_usage_default catches rows until the engine adapter creates
-- token_usage_pYYYYMM partitions. token_usage.project_id is a soft reference (high-throughput table,
-- no FOREIGN KEY; seed 000 §3.1).
-- api_key_encrypted: VARBINARY(512) in the seed (AES-256-GCM ciphertext) -> bytea.

CREATE TABLE token_usage (
    id                uuid          NOT NULL,
    project_id        uuid          NOT NULL,           -- soft -> projects.id
    provider          varchar(50)   NOT NULL,           -- 'claude', 'openai', 'phi3', 'tinyllama'
    model             varchar(100)  NOT NULL,           -- 'claude-sonnet-4-5-20250929', 'gpt-4-turbo'
    input_tokens      integer       NOT NULL DEFAULT 0,
    output_tokens     integer       NOT NULL DEFAULT 0,
    total_cost        numeric(10,4) NOT NULL DEFAULT 0.0000,
    operation_type    varchar(50),                      -- 'chat', 'estimation', 'tool_call'
    dashboard_context varchar(100),                     -- Which dashboard triggered this
    "timestamp"       timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT token_usage_pkey PRIMARY KEY (id, "timestamp")
) PARTITION BY RANGE ("timestamp");

CREATE TABLE token_usage_default PARTITION OF token_usage DEFAULT;

CREATE INDEX idx_token_usage_project_timestamp ON token_usage (project_id, "timestamp" DESC);
CREATE INDEX idx_token_usage_provider ON token_usage (provider, "timestamp" DESC);
CREATE INDEX idx_token_usage_model ON token_usage (model);
CREATE INDEX idx_token_usage_timestamp ON token_usage ("timestamp" DESC);

COMMENT ON TABLE token_usage IS 'Token consumption and cost of every AI operation, range-partitioned by month on "timestamp" (seed 001)';

CREATE TABLE api_configurations (
    id                uuid         NOT NULL,
    project_id        uuid         NOT NULL,
    provider          varchar(50)  NOT NULL,            -- 'anthropic', 'openai', 'azure', 'local'
    api_key_encrypted bytea,                            -- AES-256-GCM encrypted (application layer)
    model             varchar(100) NOT NULL,
    temperature       numeric(3,2) DEFAULT 0.70,
    max_tokens        integer      DEFAULT 4096,
    enabled           boolean      NOT NULL DEFAULT TRUE,
    priority          integer      DEFAULT 0,           -- For provider fallback ordering
    created_at        timestamptz  NOT NULL DEFAULT now(),
    updated_at        timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT api_configurations_pkey PRIMARY KEY (id),
    CONSTRAINT uk_project_provider UNIQUE (project_id, provider),
    CONSTRAINT fk_api_configurations_project_id
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
);

CREATE INDEX idx_api_configurations_enabled ON api_configurations (enabled);

CREATE TRIGGER update_api_configurations_updated_at
    BEFORE UPDATE ON api_configurations
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE api_configurations IS 'Per-project AI provider configuration with encrypted API key and fallback priority (seed 001)';

CREATE TABLE tool_registry (
    id                  uuid         NOT NULL,
    name                varchar(255) NOT NULL,
    category            varchar(50)  NOT NULL,          -- 'file_ops', 'database', 'git', 'ai', 'external'
    description         text         NOT NULL,
    implementation_type varchar(32)  NOT NULL,
    config              jsonb        NOT NULL,          -- Tool-specific configuration schema
    is_system           boolean      NOT NULL DEFAULT FALSE,  -- System tools vs user-defined
    requires_capability varchar(100),                   -- Security capability required
    created_at          timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT tool_registry_pkey PRIMARY KEY (id),
    CONSTRAINT uq_tool_registry_name UNIQUE (name),
    CONSTRAINT ck_tool_registry_implementation_type
        CHECK (implementation_type IN ('python', 'api', 'database', 'wasm'))
);

CREATE INDEX idx_tool_registry_category ON tool_registry (category);
CREATE INDEX idx_tool_registry_system ON tool_registry (is_system);

COMMENT ON TABLE tool_registry IS 'Catalog of tools AI agents can invoke (seed 001)';

CREATE TABLE external_tool_access (
    id               uuid        NOT NULL,
    project_id       uuid        NOT NULL,
    tool_id          uuid        NOT NULL,
    access_type      varchar(32) NOT NULL DEFAULT 'read',
    oauth_config     jsonb,                             -- OAuth tokens, refresh tokens, scopes
    enabled          boolean     NOT NULL DEFAULT TRUE,
    last_accessed_at timestamptz,
    expires_at       timestamptz,
    CONSTRAINT external_tool_access_pkey PRIMARY KEY (id),
    CONSTRAINT uk_project_tool UNIQUE (project_id, tool_id),
    CONSTRAINT ck_external_tool_access_access_type CHECK (access_type IN ('read', 'write', 'admin')),
    CONSTRAINT fk_external_tool_access_project_id
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_external_tool_access_tool_id
        FOREIGN KEY (tool_id) REFERENCES tool_registry (id) ON DELETE CASCADE
);

CREATE INDEX idx_external_tool_access_enabled ON external_tool_access (enabled);
CREATE INDEX idx_external_tool_access_expires ON external_tool_access (expires_at);

COMMENT ON TABLE external_tool_access IS 'Per-project access (OAuth credentials, scope) to registered external tools (seed 001)';
