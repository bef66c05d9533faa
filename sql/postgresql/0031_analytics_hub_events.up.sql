-- domain: telemetry
-- seed: 004
-- description: Analytics hub: events, metrics, correlations (monthly range partitions) and asset_metadata

-- Seed 004 (ADR-002) makes events, metrics and correlations TimescaleDB hypertables (1-day chunks,
-- plus hash space partitions on tenant_id / asset_id) with compression and retention policies.
-- Here they are declaratively range-partitioned by month on "timestamp", with a DEFAULT partition;
-- the engine adapter creates <table>_pYYYYMM partitions, and the archive job applies retention
-- (events 365 days, correlations 90 days). A partitioned table's primary key must contain the
-- partition column, so the seed's "id PRIMARY KEY" becomes PRIMARY KEY (id, "timestamp").
-- The metrics_hourly continuous aggregate is the derived table metrics_hourly (0040).

-- events: raw events (hypertable in the seed) ------------------------------------------------------
CREATE TABLE events (
    id               uuid         NOT NULL DEFAULT gen_random_uuid(),
    "timestamp"      timestamptz  NOT NULL,
    source_module    varchar(50)  NOT NULL,
    event_type       varchar(50)  NOT NULL,
    correlation_id   uuid,
    parent_event_id  uuid,
    asset_id         varchar(100),
    severity         varchar(20)  NOT NULL,
    environment      varchar(50)  NOT NULL,
    tenant_id        varchar(100) NOT NULL,
    payload          jsonb        NOT NULL,
    metadata         jsonb,
    created_at       timestamptz  DEFAULT now(),
    CONSTRAINT events_pkey PRIMARY KEY (id, "timestamp")
) PARTITION BY RANGE ("timestamp");

CREATE TABLE events_default PARTITION OF events DEFAULT;

COMMENT ON TABLE events IS 'Analytics hub raw events (seed 004); monthly partitions on timestamp';
COMMENT ON COLUMN events.tenant_id IS 'For multi-tenancy';
COMMENT ON COLUMN events.payload IS 'Flexible payload for different event types';
COMMENT ON COLUMN events.metadata IS 'Enrichment data';

CREATE INDEX idx_events_asset_time ON events (asset_id, "timestamp" DESC);
CREATE INDEX idx_events_type_time ON events (event_type, "timestamp" DESC);
CREATE INDEX idx_events_tenant_time ON events (tenant_id, "timestamp" DESC);
CREATE INDEX idx_events_correlation ON events (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX idx_events_severity ON events (severity, "timestamp" DESC);
CREATE INDEX idx_events_payload_gin ON events USING GIN (payload);

-- metrics: pre-aggregated metrics (hypertable in the seed) -----------------------------------------
CREATE TABLE metrics (
    id            uuid             NOT NULL DEFAULT gen_random_uuid(),
    "timestamp"   timestamptz      NOT NULL,
    time_bucket   interval         NOT NULL,
    asset_id      varchar(100)     NOT NULL,
    metric_type   varchar(100)     NOT NULL,
    metric_name   varchar(100)     NOT NULL,
    tenant_id     varchar(100)     NOT NULL,

    -- Statistical measures
    value_count   bigint           NOT NULL,
    value_sum     double precision,
    value_avg     double precision,
    value_min     double precision,
    value_max     double precision,
    value_p50     double precision,
    value_p95     double precision,
    value_p99     double precision,
    value_stddev  double precision,

    -- Dimensions for grouping
    dimensions    jsonb,

    created_at    timestamptz      DEFAULT now(),
    CONSTRAINT metrics_pkey PRIMARY KEY (id, "timestamp")
) PARTITION BY RANGE ("timestamp");

CREATE TABLE metrics_default PARTITION OF metrics DEFAULT;

COMMENT ON TABLE metrics IS 'Analytics hub pre-aggregated metrics (seed 004); monthly partitions on timestamp';
COMMENT ON COLUMN metrics.time_bucket IS 'Width of the aggregation bucket: 1m, 5m, 1h, 1d... (metrics_hourly reads the 5-minute rows)';

CREATE INDEX idx_metrics_asset_time ON metrics (asset_id, metric_name, "timestamp" DESC);
CREATE INDEX idx_metrics_tenant_time ON metrics (tenant_id, "timestamp" DESC);
CREATE INDEX idx_metrics_type ON metrics (metric_type, metric_name, "timestamp" DESC);

-- correlations (hypertable in the seed) ---------------------------------------------------------
-- The seed's two FOREIGN KEYs to events(id) cannot exist: a foreign key cannot reference a
-- partitioned table on a key without its partition column (TimescaleDB has the same rule for
-- hypertables). primary_event_id and related_event_id are soft references, checked by the
-- expectations.
CREATE TABLE correlations (
    id                uuid             NOT NULL DEFAULT gen_random_uuid(),
    "timestamp"       timestamptz      NOT NULL,
    correlation_type  varchar(50)      NOT NULL,
    primary_event_id  uuid             NOT NULL,
    related_event_id  uuid             NOT NULL,
    strength          double precision NOT NULL,
    confidence        double precision NOT NULL,
    tenant_id         varchar(100)     NOT NULL,
    metadata          jsonb,
    created_at        timestamptz      DEFAULT now(),
    CONSTRAINT correlations_pkey PRIMARY KEY (id, "timestamp")
) PARTITION BY RANGE ("timestamp");

CREATE TABLE correlations_default PARTITION OF correlations DEFAULT;

COMMENT ON TABLE correlations IS 'Analytics hub event correlations (seed 004); monthly partitions on timestamp';
COMMENT ON COLUMN correlations.correlation_type IS 'causal, temporal, anomaly, etc.';
COMMENT ON COLUMN correlations.primary_event_id IS 'events.id (soft reference)';
COMMENT ON COLUMN correlations.related_event_id IS 'events.id (soft reference)';
COMMENT ON COLUMN correlations.strength IS '0.0 to 1.0';
COMMENT ON COLUMN correlations.confidence IS '0.0 to 1.0';

CREATE INDEX idx_corr_primary ON correlations (primary_event_id, "timestamp" DESC);
CREATE INDEX idx_corr_related ON correlations (related_event_id, "timestamp" DESC);
CREATE INDEX idx_corr_type ON correlations (correlation_type, "timestamp" DESC);
CREATE INDEX idx_corr_strength ON correlations (strength DESC);

-- asset_metadata: asset metadata cache (a regular table in the seed) ------------------------------
-- The seed declares its indexes inline (MySQL syntax); PostgreSQL needs CREATE INDEX.
CREATE TABLE asset_metadata (
    asset_id    varchar(100) NOT NULL,
    asset_name  varchar(255) NOT NULL,
    asset_type  varchar(50)  NOT NULL,
    version     varchar(50),
    owner_id    varchar(100),
    team_id     varchar(100),
    tenant_id   varchar(100) NOT NULL,
    tags        jsonb,
    metadata    jsonb,
    created_at  timestamptz  NOT NULL,
    updated_at  timestamptz  NOT NULL,
    last_seen   timestamptz,
    CONSTRAINT asset_metadata_pkey PRIMARY KEY (asset_id)
);

COMMENT ON TABLE asset_metadata IS 'Analytics hub asset metadata cache (seed 004 reference data)';

CREATE INDEX idx_asset_tenant ON asset_metadata (tenant_id);
CREATE INDEX idx_asset_type ON asset_metadata (asset_type);
CREATE INDEX idx_asset_owner ON asset_metadata (owner_id);

CREATE TRIGGER update_asset_metadata_updated_at
    BEFORE UPDATE ON asset_metadata
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
