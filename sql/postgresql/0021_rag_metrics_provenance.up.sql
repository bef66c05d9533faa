-- domain: rag_provenance
-- seed: 002
-- description: Phase-2 RAG migration: enums, ai_dialogue_log metrics columns, materials, provenance, plugin_registry

-- rag_metrics_history, the fourth table of the seed's phase-2 migration, is a derived table: it is
-- created with the other derived tables in 0040.

-- Enums (seed 002: native PostgreSQL enum types) ----------------------------------------------
CREATE TYPE content_type AS ENUM ('material', 'creation_log', 'generated', 'note_article', 'ai_response');
CREATE TYPE acquisition_method AS ENUM ('api_fetch', 'manual_upload', 'ai_generated', 'user_created', 'system_import');
CREATE TYPE license_type AS ENUM (
    'cc_by_4_0', 'cc_by_sa_4_0', 'cc_by_nc_4_0', 'cc0_1_0', 'mit', 'apache_2_0',
    'proprietary', 'public_domain', 'unknown'
);

-- ai_dialogue_log: RAG metrics (the 11 columns of the seed's rollback list) -------------------
ALTER TABLE ai_dialogue_log
    ADD COLUMN citations           jsonb,
    ADD COLUMN latency_ms          integer,
    ADD COLUMN token_cost_jpy      numeric(8,2),
    ADD COLUMN citation_rate       numeric(5,2),
    ADD COLUMN prompt_tokens       integer,
    ADD COLUMN completion_tokens   integer,
    ADD COLUMN total_tokens        integer,
    ADD COLUMN relevance_score     numeric(3,2),
    ADD COLUMN user_feedback       integer,
    ADD COLUMN context_window_size integer,
    ADD COLUMN temperature         numeric(3,2),
    ADD CONSTRAINT ck_ai_dialogue_log_user_feedback CHECK (user_feedback IN (-1, 0, 1));

COMMENT ON COLUMN ai_dialogue_log.citations IS 'JSONB array of citation objects with source, confidence, and timestamp';
COMMENT ON COLUMN ai_dialogue_log.token_cost_jpy IS 'Cost of the answer in JPY';
COMMENT ON COLUMN ai_dialogue_log.citation_rate IS 'Percentage of the answer backed by citations (0-100)';
COMMENT ON COLUMN ai_dialogue_log.user_feedback IS '-1 negative, 0 neutral, 1 positive';

CREATE INDEX idx_ai_dialogue_user ON ai_dialogue_log (user_id);
CREATE INDEX idx_ai_dialogue_session ON ai_dialogue_log (session_id);
CREATE INDEX idx_ai_dialogue_created_at ON ai_dialogue_log (created_at);
CREATE INDEX idx_ai_dialogue_citation_rate ON ai_dialogue_log (citation_rate);

-- materials: target of fk_provenance_content (0023). No seed defines it; minimal reconstruction.
CREATE TABLE materials (
    id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    title        varchar(500) NOT NULL,
    content_type content_type NOT NULL DEFAULT 'material',
    source_uri   text,
    created_by   uuid,
    created_at   timestamp    NOT NULL DEFAULT now(),
    updated_at   timestamp    NOT NULL DEFAULT now(),
    CONSTRAINT materials_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE materials IS 'Content items whose provenance is tracked (minimal reconstruction: seed 002 references it, no seed defines it)';
COMMENT ON COLUMN materials.created_by IS 'users.id (soft reference)';

CREATE TRIGGER update_materials_updated_at
    BEFORE UPDATE ON materials
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- provenance: data source tracking (columns as the seed describes them) -----------------------
CREATE TABLE provenance (
    id                     uuid               NOT NULL DEFAULT gen_random_uuid(),
    content_id             uuid               NOT NULL,
    content_type           content_type       NOT NULL,
    source_uri             text,
    source_name            varchar(255),
    acquisition_method     acquisition_method NOT NULL,
    acquired_at            timestamp          NOT NULL DEFAULT now(),
    acquired_by            uuid,
    license_type           license_type       NOT NULL DEFAULT 'unknown',
    permission_flag        boolean            NOT NULL DEFAULT false,
    external_share_consent boolean            NOT NULL DEFAULT false,
    retention_years        integer,
    access_policy          jsonb,
    last_verified_at       timestamp,
    created_at             timestamp          NOT NULL DEFAULT now(),
    updated_at             timestamp          NOT NULL DEFAULT now(),
    CONSTRAINT provenance_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE provenance IS 'Data provenance tracking for compliance and transparency (GDPR, C2PA ready)';
COMMENT ON COLUMN provenance.content_id IS 'materials.id (fk_provenance_content, ON DELETE RESTRICT)';
COMMENT ON COLUMN provenance.acquired_by IS 'users.id (fk_provenance_acquired_by, ON DELETE SET NULL)';
COMMENT ON COLUMN provenance.permission_flag IS 'Usage rights granted for this content';
COMMENT ON COLUMN provenance.external_share_consent IS 'Explicit consent to share the content externally';
COMMENT ON COLUMN provenance.retention_years IS 'Content expires at acquired_at + retention_years; NULL keeps it indefinitely';
COMMENT ON COLUMN provenance.access_policy IS 'Access control policy (JSON document)';

CREATE INDEX idx_provenance_content ON provenance (content_id, content_type);
CREATE INDEX idx_provenance_source ON provenance (source_uri);
CREATE INDEX idx_provenance_license ON provenance (license_type);
CREATE INDEX idx_provenance_retention ON provenance (retention_years);

CREATE TRIGGER update_provenance_updated_at
    BEFORE UPDATE ON provenance
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- plugin_registry: extensible content source registry -----------------------------------------
CREATE TABLE plugin_registry (
    id                uuid         NOT NULL DEFAULT gen_random_uuid(),
    name              varchar(100) NOT NULL,
    source            varchar(100) NOT NULL,
    capabilities      jsonb        NOT NULL,
    config            jsonb,
    version           varchar(50)  NOT NULL,
    enabled           boolean      NOT NULL DEFAULT true,
    health_status     varchar(20)  NOT NULL DEFAULT 'unknown'
        CONSTRAINT ck_plugin_registry_health_status
        CHECK (health_status IN ('healthy', 'degraded', 'unhealthy', 'unknown')),
    last_health_check timestamp,
    created_at        timestamp    NOT NULL DEFAULT now(),
    updated_at        timestamp    NOT NULL DEFAULT now(),
    CONSTRAINT plugin_registry_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE plugin_registry IS 'Extensible content source registry (RAG plugins)';
COMMENT ON COLUMN plugin_registry.capabilities IS 'Plugin features (JSON document)';

-- The seed's idx_plugin_name sits next to a UNIQUE constraint on name; one unique index under the
-- seed's name gives both without a second, identical b-tree.
CREATE UNIQUE INDEX idx_plugin_name ON plugin_registry (name);
CREATE INDEX idx_plugin_enabled ON plugin_registry (enabled);

CREATE TRIGGER update_plugin_registry_updated_at
    BEFORE UPDATE ON plugin_registry
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
