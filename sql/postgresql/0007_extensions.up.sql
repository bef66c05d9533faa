-- domain: extensions
-- seed: 001
-- description: Seed 001 v1.1.0 extension orchestration: extension_dashboards, project_extension_mappings, dashboard_versions
--
-- PostgreSQL spelling of seed 001 (see 0002's header). Seed index names are prefixed with the table
-- name; project_extension_mappings' idx_project is seed 000's idx_project_extension_mappings_project.
-- extension_dashboards.dashboard_id is the extension's own dashboard identifier (VARCHAR(255)), not a
-- reference; project_extension_mappings.dashboard_id and dashboard_versions.dashboard_id reference
-- extension_dashboards.id.

CREATE TABLE extension_dashboards (
    id                 uuid         NOT NULL,
    extension_id       varchar(255) NOT NULL,           -- VS Code extension identifier
    dashboard_id       varchar(255) NOT NULL,           -- Internal dashboard identifier
    name               varchar(255) NOT NULL,
    description        text,
    config             jsonb        NOT NULL,           -- Dashboard configuration schema
    author             varchar(255),
    community_approved boolean      NOT NULL DEFAULT FALSE,
    download_count     integer      DEFAULT 0,
    created_at         timestamptz  NOT NULL DEFAULT now(),
    updated_at         timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT extension_dashboards_pkey PRIMARY KEY (id)
);

CREATE INDEX idx_extension_dashboards_extension_id ON extension_dashboards (extension_id);
CREATE INDEX idx_extension_dashboards_approved ON extension_dashboards (community_approved);
CREATE INDEX idx_extension_dashboards_downloads ON extension_dashboards (download_count DESC);

CREATE TRIGGER update_extension_dashboards_updated_at
    BEFORE UPDATE ON extension_dashboards
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE extension_dashboards IS 'Community repository of dashboard templates for VS Code extensions (seed 001)';

CREATE TABLE project_extension_mappings (
    id            uuid         NOT NULL,
    project_id    uuid         NOT NULL,
    extension_id  varchar(255) NOT NULL,
    dashboard_id  uuid         NOT NULL,                -- References extension_dashboards.id
    enabled       boolean      NOT NULL DEFAULT TRUE,
    custom_config jsonb,                                -- Project-specific overrides
    position      integer      DEFAULT 0,               -- Display order
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT project_extension_mappings_pkey PRIMARY KEY (id),
    CONSTRAINT uk_project_extension UNIQUE (project_id, extension_id),
    CONSTRAINT fk_project_extension_mappings_project_id
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    -- RESTRICT: a template in use by a project cannot be deleted (seed 001 "Foreign Key Strategy")
    CONSTRAINT fk_project_extension_mappings_dashboard_id
        FOREIGN KEY (dashboard_id) REFERENCES extension_dashboards (id) ON DELETE RESTRICT
);

CREATE INDEX idx_project_extension_mappings_project ON project_extension_mappings (project_id);
CREATE INDEX idx_project_extension_mappings_enabled ON project_extension_mappings (enabled);

CREATE TRIGGER update_project_extension_mappings_updated_at
    BEFORE UPDATE ON project_extension_mappings
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE project_extension_mappings IS 'Which extension dashboard template each project uses per extension, with overrides (seed 001)';

CREATE TABLE dashboard_versions (
    id           uuid         NOT NULL,
    dashboard_id uuid         NOT NULL,                 -- References extension_dashboards.id
    version      varchar(50)  NOT NULL,                 -- SemVer: '1.0.0', '1.1.0'
    config       jsonb        NOT NULL,                 -- Complete config snapshot
    changelog    text,                                  -- What changed in this version
    created_by   varchar(255),
    created_at   timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT dashboard_versions_pkey PRIMARY KEY (id),
    CONSTRAINT fk_dashboard_versions_dashboard_id
        FOREIGN KEY (dashboard_id) REFERENCES extension_dashboards (id) ON DELETE CASCADE
);

-- Seed 001's idx_dashboard_created; the same key is listed again under "Performance Indexes (NEW)" as
-- idx_dashboard_versions_dashboard_created, which is this index's name here (see 0010).
CREATE INDEX idx_dashboard_versions_dashboard_created ON dashboard_versions (dashboard_id, created_at DESC);
CREATE INDEX idx_dashboard_versions_version ON dashboard_versions (version);

COMMENT ON TABLE dashboard_versions IS 'Version history of extension dashboard configurations, for rollback (seed 001)';
