-- domain: rag_provenance
-- seed: 002
-- description: Phase-2 RAG migration: enums, ai_dialogue_log metrics columns, materials, provenance, plugin_registry

-- rag_metrics_history, the fourth table of the seed's phase-2 migration, is a derived table: it is
-- created with the other derived tables in 0040.
-- Seed 002's PostgreSQL enum types (content_type, acquisition_method, license_type) are ENUM
-- columns here, with the same values in the same order.

-- ai_dialogue_log: RAG metrics (the 11 columns of the seed's rollback list) -------------------
ALTER TABLE ai_dialogue_log
    ADD COLUMN citations           json         COMMENT 'JSON array of citation objects with source, confidence, and timestamp',
    ADD COLUMN latency_ms          int,
    ADD COLUMN token_cost_jpy      decimal(8,2) COMMENT 'Cost of the answer in JPY',
    ADD COLUMN citation_rate       decimal(5,2) COMMENT 'Percentage of the answer backed by citations (0-100)',
    ADD COLUMN prompt_tokens       int,
    ADD COLUMN completion_tokens   int,
    ADD COLUMN total_tokens        int,
    ADD COLUMN relevance_score     decimal(3,2),
    ADD COLUMN user_feedback       int          COMMENT '-1 negative, 0 neutral, 1 positive',
    ADD COLUMN context_window_size int,
    ADD COLUMN temperature         decimal(3,2);

-- Its own statement: TiDB's multi-schema ALTER covers columns and indexes, not CHECK constraints.
ALTER TABLE ai_dialogue_log
    ADD CONSTRAINT ck_ai_dialogue_log_user_feedback CHECK (user_feedback IN (-1, 0, 1));

CREATE INDEX idx_ai_dialogue_user ON ai_dialogue_log (user_id);
CREATE INDEX idx_ai_dialogue_session ON ai_dialogue_log (session_id);
CREATE INDEX idx_ai_dialogue_created_at ON ai_dialogue_log (created_at);
CREATE INDEX idx_ai_dialogue_citation_rate ON ai_dialogue_log (citation_rate);

-- materials: target of fk_provenance_content (0023). No seed defines it; minimal reconstruction.
CREATE TABLE materials (
    id           char(36)     NOT NULL DEFAULT (UUID()),
    title        varchar(500) NOT NULL,
    content_type ENUM('material', 'creation_log', 'generated', 'note_article', 'ai_response')
                              NOT NULL DEFAULT 'material',
    source_uri   text,
    created_by   char(36)     COMMENT 'users.id (soft reference)',
    created_at   timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at   timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Content items whose provenance is tracked (minimal reconstruction: seed 002 references it, no seed defines it)';

-- provenance: data source tracking (columns as the seed describes them) -----------------------
-- source_uri is TEXT: idx_provenance_source indexes its first 255 characters (the MySQL family
-- cannot index a whole TEXT column).
CREATE TABLE provenance (
    id                     char(36)     NOT NULL DEFAULT (UUID()),
    content_id             char(36)     NOT NULL COMMENT 'materials.id (fk_provenance_content, ON DELETE RESTRICT)',
    content_type           ENUM('material', 'creation_log', 'generated', 'note_article', 'ai_response') NOT NULL,
    source_uri             text,
    source_name            varchar(255),
    acquisition_method     ENUM('api_fetch', 'manual_upload', 'ai_generated', 'user_created', 'system_import') NOT NULL,
    acquired_at            timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    acquired_by            char(36)     COMMENT 'users.id (fk_provenance_acquired_by, ON DELETE SET NULL)',
    license_type           ENUM('cc_by_4_0', 'cc_by_sa_4_0', 'cc_by_nc_4_0', 'cc0_1_0', 'mit', 'apache_2_0',
                                'proprietary', 'public_domain', 'unknown') NOT NULL DEFAULT 'unknown',
    permission_flag        boolean      NOT NULL DEFAULT FALSE COMMENT 'Usage rights granted for this content',
    external_share_consent boolean      NOT NULL DEFAULT FALSE COMMENT 'Explicit consent to share the content externally',
    retention_years        int          COMMENT 'Content expires at acquired_at + retention_years; NULL keeps it indefinitely',
    access_policy          json         COMMENT 'Access control policy (JSON document)',
    last_verified_at       timestamp(6) NULL,
    created_at             timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at             timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_provenance_content (content_id, content_type),
    KEY idx_provenance_source (source_uri(255)),
    KEY idx_provenance_license (license_type),
    KEY idx_provenance_retention (retention_years)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Data provenance tracking for compliance and transparency (GDPR, C2PA ready)';

-- plugin_registry: extensible content source registry -----------------------------------------
-- The seed's idx_plugin_name sits next to a UNIQUE constraint on name; one unique index under the
-- seed's name gives both without a second, identical b-tree.
CREATE TABLE plugin_registry (
    id                char(36)     NOT NULL DEFAULT (UUID()),
    name              varchar(100) NOT NULL,
    source            varchar(100) NOT NULL,
    capabilities      json         NOT NULL COMMENT 'Plugin features (JSON document)',
    config            json,
    version           varchar(50)  NOT NULL,
    enabled           boolean      NOT NULL DEFAULT TRUE,
    health_status     varchar(20)  NOT NULL DEFAULT 'unknown',
    last_health_check timestamp(6) NULL,
    created_at        timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at        timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY idx_plugin_name (name),
    KEY idx_plugin_enabled (enabled),
    CONSTRAINT ck_plugin_registry_health_status CHECK (health_status IN ('healthy', 'degraded', 'unhealthy', 'unknown'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Extensible content source registry (RAG plugins)';
