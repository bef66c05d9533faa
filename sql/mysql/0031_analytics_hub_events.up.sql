-- domain: telemetry
-- seed: 004
-- description: Analytics hub: events, metrics, correlations (range-partitioned on TiDB only) and asset_metadata

-- Seed 004 (ADR-002) makes events, metrics and correlations TimescaleDB hypertables. On the MySQL
-- family they are plain InnoDB tables; TiDB range-partitions them on UNIX_TIMESTAMP(`timestamp`)
-- (-- @tidb statements below) with only the catch-all p_future, which the engine adapter splits into
-- pYYYYMM partitions (REORGANIZE PARTITION) as months arrive. The primary key is (id, timestamp) on
-- every engine, as partitioning requires. INTERVAL (metrics.time_bucket) is TIME here: '00:05:00'
-- is the 5-minute bucket that metrics_hourly reads. correlations -> events is a soft reference, as
-- on PostgreSQL. GIN indexes on JSONB are PostgreSQL-only (see idx_events_payload_gin below).

-- events: raw events (hypertable in the seed) ------------------------------------------------------
CREATE TABLE events (
    id               char(36)     NOT NULL DEFAULT (UUID()),
    timestamp        timestamp(6) NOT NULL,
    source_module    varchar(50)  NOT NULL,
    event_type       varchar(50)  NOT NULL,
    correlation_id   char(36),
    parent_event_id  char(36),
    asset_id         varchar(100),
    severity         varchar(20)  NOT NULL,
    environment      varchar(50)  NOT NULL,
    tenant_id        varchar(100) NOT NULL COMMENT 'For multi-tenancy',
    payload          json         NOT NULL COMMENT 'Flexible payload for different event types',
    metadata         json         COMMENT 'Enrichment data',
    created_at       timestamp(6) NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id, timestamp),
    KEY idx_events_asset_time (asset_id, timestamp DESC),
    KEY idx_events_type_time (event_type, timestamp DESC),
    KEY idx_events_tenant_time (tenant_id, timestamp DESC),
    -- partial index on PostgreSQL: correlation_id IS NOT NULL; nearest composite here because the MySQL family has no partial indexes (uncorrelated events are indexed too, under NULL)
    KEY idx_events_correlation (correlation_id),
    KEY idx_events_severity (severity, timestamp DESC)
    -- idx_events_payload_gin (GIN on payload) is PostgreSQL-only; nothing replaces it here: a hot
    -- JSON path gets a generated column and a B-tree index when a query needs one.
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Analytics hub raw events (seed 004)';

-- @tidb
ALTER TABLE events PARTITION BY RANGE (UNIX_TIMESTAMP(timestamp)) (PARTITION p_future VALUES LESS THAN (MAXVALUE));

-- metrics: pre-aggregated metrics (hypertable in the seed) -----------------------------------------
CREATE TABLE metrics (
    id            char(36)     NOT NULL DEFAULT (UUID()),
    timestamp     timestamp(6) NOT NULL,
    time_bucket   time         NOT NULL COMMENT 'Width of the aggregation bucket: 00:01:00, 00:05:00, 01:00:00... (metrics_hourly reads 00:05:00)',
    asset_id      varchar(100) NOT NULL,
    metric_type   varchar(100) NOT NULL,
    metric_name   varchar(100) NOT NULL,
    tenant_id     varchar(100) NOT NULL,

    -- Statistical measures
    value_count   bigint       NOT NULL,
    value_sum     double,
    value_avg     double,
    value_min     double,
    value_max     double,
    value_p50     double,
    value_p95     double,
    value_p99     double,
    value_stddev  double,

    -- Dimensions for grouping
    dimensions    json,

    created_at    timestamp(6) NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id, timestamp),
    KEY idx_metrics_asset_time (asset_id, metric_name, timestamp DESC),
    KEY idx_metrics_tenant_time (tenant_id, timestamp DESC),
    KEY idx_metrics_type (metric_type, metric_name, timestamp DESC)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Analytics hub pre-aggregated metrics (seed 004)';

-- @tidb
ALTER TABLE metrics PARTITION BY RANGE (UNIX_TIMESTAMP(timestamp)) (PARTITION p_future VALUES LESS THAN (MAXVALUE));

-- correlations (hypertable in the seed) ---------------------------------------------------------
-- The seed's two FOREIGN KEYs to events(id) are soft references on every engine: PostgreSQL cannot
-- reference its partitioned events, TiDB's partitioned events has no unique key on id alone, and
-- one contract holds for all engines.
CREATE TABLE correlations (
    id                char(36)     NOT NULL DEFAULT (UUID()),
    timestamp         timestamp(6) NOT NULL,
    correlation_type  varchar(50)  NOT NULL COMMENT 'causal, temporal, anomaly, etc.',
    primary_event_id  char(36)     NOT NULL COMMENT 'events.id (soft reference)',
    related_event_id  char(36)     NOT NULL COMMENT 'events.id (soft reference)',
    strength          double       NOT NULL COMMENT '0.0 to 1.0',
    confidence        double       NOT NULL COMMENT '0.0 to 1.0',
    tenant_id         varchar(100) NOT NULL,
    metadata          json,
    created_at        timestamp(6) NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id, timestamp),
    KEY idx_corr_primary (primary_event_id, timestamp DESC),
    KEY idx_corr_related (related_event_id, timestamp DESC),
    KEY idx_corr_type (correlation_type, timestamp DESC),
    KEY idx_corr_strength (strength DESC)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Analytics hub event correlations (seed 004)';

-- @tidb
ALTER TABLE correlations PARTITION BY RANGE (UNIX_TIMESTAMP(timestamp)) (PARTITION p_future VALUES LESS THAN (MAXVALUE));

-- asset_metadata: asset metadata cache (a regular table in the seed; its inline INDEX syntax is
-- native here) -----------------------------------------------------------------------------------
CREATE TABLE asset_metadata (
    asset_id    varchar(100) NOT NULL,
    asset_name  varchar(255) NOT NULL,
    asset_type  varchar(50)  NOT NULL,
    version     varchar(50),
    owner_id    varchar(100),
    team_id     varchar(100),
    tenant_id   varchar(100) NOT NULL,
    tags        json,
    metadata    json,
    created_at  timestamp(6) NOT NULL,
    updated_at  timestamp(6) NOT NULL ON UPDATE CURRENT_TIMESTAMP(6),
    last_seen   timestamp(6) NULL,
    PRIMARY KEY (asset_id),
    INDEX idx_asset_tenant (tenant_id),
    INDEX idx_asset_type (asset_type),
    INDEX idx_asset_owner (owner_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Analytics hub asset metadata cache (seed 004 reference data)';
