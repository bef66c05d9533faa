-- domain: extensions
-- seed: 001
-- description: Seed 001 v1.1.0 extension orchestration: extension_dashboards, project_extension_mappings, dashboard_versions
--
-- Seed 001's TiDB DDL; constraints are named, and project_extension_mappings.project_id is CHAR(36)
-- like projects.id (TiDB requires a foreign key column to have its parent's exact type).

CREATE TABLE extension_dashboards (
    id                 VARCHAR(36)  NOT NULL,
    extension_id       VARCHAR(255) NOT NULL,           -- VS Code extension identifier
    dashboard_id       VARCHAR(255) NOT NULL,           -- Internal dashboard identifier
    name               VARCHAR(255) NOT NULL,
    description        TEXT,
    config             JSON         NOT NULL,           -- Dashboard configuration schema
    author             VARCHAR(255),
    community_approved BOOLEAN      NOT NULL DEFAULT FALSE,
    download_count     INT          DEFAULT 0,
    created_at         TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at         TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX idx_extension_id (extension_id),
    INDEX idx_approved (community_approved),
    INDEX idx_downloads (download_count DESC)
) ENGINE=InnoDB COMMENT='Community repository of dashboard templates for VS Code extensions (seed 001)';

CREATE TABLE project_extension_mappings (
    id            VARCHAR(36)  NOT NULL,
    project_id    CHAR(36)     NOT NULL,
    extension_id  VARCHAR(255) NOT NULL,
    dashboard_id  VARCHAR(36)  NOT NULL,                -- References extension_dashboards.id
    enabled       BOOLEAN      NOT NULL DEFAULT TRUE,
    custom_config JSON,                                 -- Project-specific overrides
    position      INT          DEFAULT 0,               -- Display order
    created_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uk_project_extension (project_id, extension_id),
    INDEX idx_project (project_id),
    INDEX idx_enabled (enabled),
    CONSTRAINT fk_project_extension_mappings_project_id
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    -- RESTRICT: a template in use by a project cannot be deleted (seed 001 "Foreign Key Strategy");
    -- InnoDB/TiDB index dashboard_id for this key themselves (index named after the constraint).
    CONSTRAINT fk_project_extension_mappings_dashboard_id
        FOREIGN KEY (dashboard_id) REFERENCES extension_dashboards (id) ON DELETE RESTRICT
) ENGINE=InnoDB COMMENT='Which extension dashboard template each project uses per extension, with overrides (seed 001)';

CREATE TABLE dashboard_versions (
    id           VARCHAR(36)  NOT NULL,
    dashboard_id VARCHAR(36)  NOT NULL,                 -- References extension_dashboards.id
    version      VARCHAR(50)  NOT NULL,                 -- SemVer: '1.0.0', '1.1.0'
    config       JSON         NOT NULL,                 -- Complete config snapshot
    changelog    TEXT,                                  -- What changed in this version
    created_by   VARCHAR(255),
    created_at   TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX idx_dashboard_created (dashboard_id, created_at DESC),
    INDEX idx_version (version),
    CONSTRAINT fk_dashboard_versions_dashboard_id
        FOREIGN KEY (dashboard_id) REFERENCES extension_dashboards (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Version history of extension dashboard configurations, for rollback (seed 001)';
