-- domain: core_configuration
-- seed: 001
-- description: Seed 001 v1.0.0 core entities and configuration: profiles, dashboards, modules, templates, guardrails, capabilities
--
-- Seed 001's TiDB DDL, kept as written (VARCHAR(36) ids, TIMESTAMP(6), native ENUM, seed index names),
-- with these additions:
--   * Constraints are named (fk_<table>_<column>, uq_<table>_<columns>).
--   * Columns referencing projects.id are CHAR(36): projects is seed 003's table (CHAR(36) ids), and TiDB
--     rejects a foreign key whose column type differs from its parent's (VARCHAR vs CHAR).
--   * Soft references (no FOREIGN KEY, as in the seed): profiles.active_dashboard_id -> dashboards.id,
--     dashboards.template_id -> templates.id.
-- Tables are created in foreign-key order, each in one statement.

CREATE TABLE profiles (
    id                  VARCHAR(36)  NOT NULL,
    project_id          CHAR(36)     NOT NULL,
    name                VARCHAR(255) NOT NULL,
    description         TEXT,
    created_at          TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at          TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    active_dashboard_id VARCHAR(36),                    -- Single Active Screen enforcement (soft -> dashboards.id)
    PRIMARY KEY (id),
    INDEX idx_project (project_id),
    CONSTRAINT fk_profiles_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Profiles of a project; each owns dashboards and has one active dashboard (seed 001)';

CREATE TABLE dashboards (
    id          VARCHAR(36)  NOT NULL,
    profile_id  VARCHAR(36)  NOT NULL,
    name        VARCHAR(255) NOT NULL,
    description TEXT,
    template_id VARCHAR(36),                            -- soft -> templates.id
    layout      JSON         NOT NULL,                  -- Elm dashboard configuration
    created_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    position    INT          NOT NULL,                  -- Display order in Master Control
    PRIMARY KEY (id),
    INDEX idx_profile (profile_id),
    INDEX idx_template (template_id),
    CONSTRAINT fk_dashboards_profile_id FOREIGN KEY (profile_id) REFERENCES profiles (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Dashboards of a profile: Elm layout and display order (seed 001)';

CREATE TABLE modules (
    id            VARCHAR(36)  NOT NULL,
    dashboard_id  VARCHAR(36)  NOT NULL,
    module_type   VARCHAR(100) NOT NULL,                -- 'checklist', 'decision_log', 'file_manager'
    name          VARCHAR(255) NOT NULL,
    configuration JSON         NOT NULL,
    position      INT          NOT NULL,
    created_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX idx_dashboard (dashboard_id),
    INDEX idx_type (module_type),
    CONSTRAINT fk_modules_dashboard_id FOREIGN KEY (dashboard_id) REFERENCES dashboards (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Modules placed on a dashboard, with their configuration (seed 001)';

CREATE TABLE templates (
    id                 VARCHAR(36)  NOT NULL,
    name               VARCHAR(255) NOT NULL,
    category           VARCHAR(100) NOT NULL,           -- 'workflow', 'dashboard', 'module'
    description        TEXT,
    specification      JSON         NOT NULL,
    created_by         VARCHAR(255),
    community_approved BOOLEAN      DEFAULT FALSE,
    download_count     INT          DEFAULT 0,
    created_at         TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_templates_name UNIQUE (name),
    INDEX idx_category (category),
    INDEX idx_approved (community_approved)
) ENGINE=InnoDB COMMENT='Workflow, dashboard and module templates (community catalog) (seed 001)';

CREATE TABLE guardrails (
    id            VARCHAR(36)  NOT NULL,
    project_id    CHAR(36),                             -- NULL for system guardrails
    rule_id       VARCHAR(100) NOT NULL,
    description   TEXT         NOT NULL,
    severity      ENUM('CRITICAL', 'HIGH', 'MEDIUM', 'LOW') NOT NULL,
    auto_reject   BOOLEAN      DEFAULT FALSE,
    configuration JSON,
    enabled       BOOLEAN      DEFAULT TRUE,
    created_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX idx_project (project_id),
    INDEX idx_severity (severity),
    CONSTRAINT fk_guardrails_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Validation rules applied to changes, per project or system-wide (seed 001)';

CREATE TABLE capabilities (
    id              VARCHAR(36)  NOT NULL,
    module_id       VARCHAR(36)  NOT NULL,
    capability_type VARCHAR(100) NOT NULL,              -- 'file_write', 'network_http', 'git_commit'
    granted         BOOLEAN      DEFAULT FALSE,
    granted_at      TIMESTAMP(6) NULL,
    revoked_at      TIMESTAMP(6) NULL,
    justification   TEXT,
    PRIMARY KEY (id),
    INDEX idx_module (module_id),
    INDEX idx_type (capability_type),
    CONSTRAINT fk_capabilities_module_id FOREIGN KEY (module_id) REFERENCES modules (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Security capabilities granted to (or revoked from) a module (seed 001)';
