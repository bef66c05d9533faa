-- domain: telemetry
-- seed: 003
-- description: usage_events and mcp_usage time series (seed 003 hypertables as monthly range partitions)

-- Seed 003 makes both tables TimescaleDB hypertables (1-day chunks) with compression and retention
-- policies. Here they are declaratively range-partitioned by month on "time", with a DEFAULT
-- partition; the engine adapter creates <table>_pYYYYMM partitions ahead of loads, and retention
-- (usage_events: 30 days, once its days are in usage_daily) is run by the archive job.
-- Seed 003's org_id / project_id / user_id / api_key_id / mcp_server_id are soft references: no
-- foreign keys on the time series (checked by the expectations instead).

-- usage_events: raw API usage, one row per request ----------------------------------------------
-- No primary key, as in the seed: request_id is not declared unique, and a unique key on a
-- partitioned table would have to include "time".
CREATE TABLE usage_events (
    time                    timestamptz  NOT NULL,

    -- Context
    org_id                  uuid         NOT NULL,
    project_id              uuid         NOT NULL,
    user_id                 uuid,
    api_key_id              uuid,

    -- Request
    request_id              uuid         NOT NULL,
    event_type              varchar(20)  NOT NULL
        CONSTRAINT ck_usage_events_event_type CHECK (event_type IN ('api_call', 'mcp_tool', 'streaming')),

    -- Model
    model                   varchar(50)  NOT NULL,

    -- Tokens
    input_tokens            integer      NOT NULL DEFAULT 0,
    output_tokens           integer      NOT NULL DEFAULT 0,
    cache_read_tokens       integer      NOT NULL DEFAULT 0,
    cache_write_tokens      integer      NOT NULL DEFAULT 0,

    -- Cost (in USD cents for precision)
    cost_cents              integer      NOT NULL DEFAULT 0,

    -- Performance
    latency_ms              integer,
    time_to_first_token_ms  integer,

    -- MCP (if applicable)
    mcp_server_id           uuid,
    mcp_tool_name           varchar(255),

    -- Status
    status                  varchar(20)  NOT NULL DEFAULT 'success'
        CONSTRAINT ck_usage_events_status CHECK (status IN ('success', 'error', 'timeout', 'rate_limited')),
    error_code              varchar(50),
    error_message           text,

    -- Metadata
    metadata                jsonb        NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (time);

CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT;

COMMENT ON TABLE usage_events IS 'Raw API usage, one row per request (seed 003); monthly partitions on time';
COMMENT ON COLUMN usage_events.cost_cents IS 'Cost in USD cents';

CREATE INDEX idx_usage_events_org_time ON usage_events (org_id, time DESC);
CREATE INDEX idx_usage_events_project_time ON usage_events (project_id, time DESC);
CREATE INDEX idx_usage_events_user_time ON usage_events (user_id, time DESC)
    WHERE user_id IS NOT NULL;
CREATE INDEX idx_usage_events_model ON usage_events (model, time DESC);
CREATE INDEX idx_usage_events_mcp ON usage_events (mcp_server_id, time DESC)
    WHERE mcp_server_id IS NOT NULL;

-- mcp_usage: MCP tool usage tracking -------------------------------------------------------------
-- No primary key, as in the seed.
CREATE TABLE mcp_usage (
    time               timestamptz  NOT NULL,

    -- Context
    org_id             uuid         NOT NULL,
    project_id         uuid         NOT NULL,
    user_id            uuid,

    -- MCP
    server_id          uuid         NOT NULL,
    tool_name          varchar(255) NOT NULL,

    -- Request
    request_id         uuid         NOT NULL,
    parent_request_id  uuid,

    -- Execution
    latency_ms         integer,
    status             varchar(20)  NOT NULL
        CONSTRAINT ck_mcp_usage_status CHECK (status IN ('success', 'error', 'timeout', 'blocked')),
    error_message      text,

    -- Input/Output size (bytes)
    input_size         integer,
    output_size        integer,

    -- Metadata
    metadata           jsonb        NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (time);

CREATE TABLE mcp_usage_default PARTITION OF mcp_usage DEFAULT;

COMMENT ON TABLE mcp_usage IS 'MCP tool usage, one row per tool call (seed 003); monthly partitions on time';
COMMENT ON COLUMN mcp_usage.parent_request_id IS 'Link to the Claude API call (usage_events.request_id)';

CREATE INDEX idx_mcp_usage_server ON mcp_usage (server_id, time DESC);
CREATE INDEX idx_mcp_usage_tool ON mcp_usage (server_id, tool_name, time DESC);
CREATE INDEX idx_mcp_usage_project ON mcp_usage (project_id, time DESC);
