-- domain: telemetry
-- seed: 003
-- description: usage_events and mcp_usage time series (seed 003 hypertables; range-partitioned on TiDB only)

-- Seed 003 makes both tables TimescaleDB hypertables. On the MySQL family they are plain InnoDB
-- tables; TiDB range-partitions them on UNIX_TIMESTAMP(time) (-- @tidb statements below). Seed 003
-- names no months, so there is only the catch-all p_future, which the engine adapter splits into
-- pYYYYMM partitions (REORGANIZE PARTITION) as months arrive.
-- The org_id / project_id / user_id / api_key_id / mcp_server_id references are soft: no foreign
-- keys on the time series (checked by the expectations instead).
-- Neither table has a primary key, as in the seed. InnoDB clusters them on a hidden row id; on TiDB,
-- SHARD_ROW_ID_BITS scatters that row id so that inserts do not all land in the last region.
-- Seed 003's DEFAULT '{}' for JSONB is the expression default (JSON_OBJECT()) here, the form that
-- MariaDB, MySQL 8.0.13+ and TiDB 8 all accept for JSON.

-- usage_events: raw API usage, one row per request ----------------------------------------------
CREATE TABLE usage_events (
    time                    timestamp(6) NOT NULL,

    -- Context
    org_id                  char(36)     NOT NULL,
    project_id              char(36)     NOT NULL,
    user_id                 char(36),
    api_key_id              char(36),

    -- Request
    request_id              char(36)     NOT NULL,
    event_type              varchar(20)  NOT NULL,

    -- Model
    model                   varchar(50)  NOT NULL,

    -- Tokens
    input_tokens            int          NOT NULL DEFAULT 0,
    output_tokens           int          NOT NULL DEFAULT 0,
    cache_read_tokens       int          NOT NULL DEFAULT 0,
    cache_write_tokens      int          NOT NULL DEFAULT 0,

    -- Cost (in USD cents for precision)
    cost_cents              int          NOT NULL DEFAULT 0 COMMENT 'Cost in USD cents',

    -- Performance
    latency_ms              int,
    time_to_first_token_ms  int,

    -- MCP (if applicable)
    mcp_server_id           char(36),
    mcp_tool_name           varchar(255),

    -- Status
    status                  varchar(20)  NOT NULL DEFAULT 'success',
    error_code              varchar(50),
    error_message           text,

    -- Metadata
    metadata                json         NOT NULL DEFAULT (JSON_OBJECT()),

    CONSTRAINT ck_usage_events_event_type CHECK (event_type IN ('api_call', 'mcp_tool', 'streaming')),
    CONSTRAINT ck_usage_events_status CHECK (status IN ('success', 'error', 'timeout', 'rate_limited')),

    KEY idx_usage_events_org_time (org_id, time DESC),
    KEY idx_usage_events_project_time (project_id, time DESC),
    -- partial index on PostgreSQL: user_id IS NOT NULL; nearest composite here because the MySQL family has no partial indexes (requests without a user are indexed too, under NULL)
    KEY idx_usage_events_user_time (user_id, time DESC),
    KEY idx_usage_events_model (model, time DESC),
    -- partial index on PostgreSQL: mcp_server_id IS NOT NULL; nearest composite here because the MySQL family has no partial indexes (non-MCP requests are indexed too, under NULL)
    KEY idx_usage_events_mcp (mcp_server_id, time DESC)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Raw API usage, one row per request (seed 003)'
  /*T! SHARD_ROW_ID_BITS=4 */;

-- @tidb
ALTER TABLE usage_events PARTITION BY RANGE (UNIX_TIMESTAMP(time)) (PARTITION p_future VALUES LESS THAN (MAXVALUE));

-- mcp_usage: MCP tool usage tracking -------------------------------------------------------------
CREATE TABLE mcp_usage (
    time               timestamp(6) NOT NULL,

    -- Context
    org_id             char(36)     NOT NULL,
    project_id         char(36)     NOT NULL,
    user_id            char(36),

    -- MCP
    server_id          char(36)     NOT NULL,
    tool_name          varchar(255) NOT NULL,

    -- Request
    request_id         char(36)     NOT NULL,
    parent_request_id  char(36)     COMMENT 'Link to the Claude API call (usage_events.request_id)',

    -- Execution
    latency_ms         int,
    status             varchar(20)  NOT NULL,
    error_message      text,

    -- Input/Output size (bytes)
    input_size         int,
    output_size        int,

    -- Metadata
    metadata           json         NOT NULL DEFAULT (JSON_OBJECT()),

    CONSTRAINT ck_mcp_usage_status CHECK (status IN ('success', 'error', 'timeout', 'blocked')),

    KEY idx_mcp_usage_server (server_id, time DESC),
    KEY idx_mcp_usage_tool (server_id, tool_name, time DESC),
    KEY idx_mcp_usage_project (project_id, time DESC)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='MCP tool usage, one row per tool call (seed 003)'
  /*T! SHARD_ROW_ID_BITS=4 */;

-- @tidb
ALTER TABLE mcp_usage PARTITION BY RANGE (UNIX_TIMESTAMP(time)) (PARTITION p_future VALUES LESS THAN (MAXVALUE));
