-- domain: core_configuration
-- seed: 001
-- description: Seed 001 v1.0.0 core entities and configuration: profiles, dashboards, modules, templates, guardrails, capabilities
--
-- PostgreSQL spelling of seed 001's TiDB tables (sql/README.md): VARCHAR(36) ids -> uuid,
-- TIMESTAMP(6) -> timestamptz (microsecond precision is PostgreSQL's default and maximum),
-- JSON -> jsonb, ENUM -> varchar(32) + CHECK ck_<table>_<column>,
-- ON UPDATE CURRENT_TIMESTAMP(6) -> trigger update_<table>_updated_at.
-- Seed 001 index names are per table in MySQL (idx_project, idx_type, ...) but per schema here, so
-- they are prefixed with the table name: idx_project on profiles -> idx_profiles_project.
-- Seed 001 ids have no default: the application assigns them.
-- Columns that point at another row without a seed FOREIGN KEY stay soft (no constraint):
-- profiles.active_dashboard_id -> dashboards.id, dashboards.template_id -> templates.id.

-- ---------------------------------------------------------------------------------------------
-- profiles
-- ---------------------------------------------------------------------------------------------
CREATE TABLE profiles (
    id                  uuid         NOT NULL,
    project_id          uuid         NOT NULL,
    name                varchar(255) NOT NULL,
    description         text,
    created_at          timestamptz  NOT NULL DEFAULT now(),
    updated_at          timestamptz  NOT NULL DEFAULT now(),
    active_dashboard_id uuid,                           -- Single Active Screen enforcement (soft -> dashboards.id)
    CONSTRAINT profiles_pkey PRIMARY KEY (id),
    CONSTRAINT fk_profiles_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
);

CREATE INDEX idx_profiles_project ON profiles (project_id);

CREATE TRIGGER update_profiles_updated_at
    BEFORE UPDATE ON profiles
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE profiles IS 'Profiles of a project; each owns dashboards and has one active dashboard (seed 001)';

-- ---------------------------------------------------------------------------------------------
-- dashboards
-- ---------------------------------------------------------------------------------------------
CREATE TABLE dashboards (
    id          uuid         NOT NULL,
    profile_id  uuid         NOT NULL,
    name        varchar(255) NOT NULL,
    description text,
    template_id uuid,                                   -- soft -> templates.id
    layout      jsonb        NOT NULL,                  -- Elm dashboard configuration
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    position    integer      NOT NULL,                  -- Display order in Master Control
    CONSTRAINT dashboards_pkey PRIMARY KEY (id),
    CONSTRAINT fk_dashboards_profile_id FOREIGN KEY (profile_id) REFERENCES profiles (id) ON DELETE CASCADE
);

CREATE INDEX idx_dashboards_profile ON dashboards (profile_id);
CREATE INDEX idx_dashboards_template ON dashboards (template_id);

CREATE TRIGGER update_dashboards_updated_at
    BEFORE UPDATE ON dashboards
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE dashboards IS 'Dashboards of a profile: Elm layout and display order (seed 001)';

-- ---------------------------------------------------------------------------------------------
-- modules
-- ---------------------------------------------------------------------------------------------
CREATE TABLE modules (
    id            uuid         NOT NULL,
    dashboard_id  uuid         NOT NULL,
    module_type   varchar(100) NOT NULL,                -- 'checklist', 'decision_log', 'file_manager'
    name          varchar(255) NOT NULL,
    configuration jsonb        NOT NULL,
    position      integer      NOT NULL,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT modules_pkey PRIMARY KEY (id),
    CONSTRAINT fk_modules_dashboard_id FOREIGN KEY (dashboard_id) REFERENCES dashboards (id) ON DELETE CASCADE
);

CREATE INDEX idx_modules_dashboard ON modules (dashboard_id);
CREATE INDEX idx_modules_type ON modules (module_type);

CREATE TRIGGER update_modules_updated_at
    BEFORE UPDATE ON modules
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE modules IS 'Modules placed on a dashboard, with their configuration (seed 001)';

-- ---------------------------------------------------------------------------------------------
-- templates
-- ---------------------------------------------------------------------------------------------
CREATE TABLE templates (
    id                 uuid         NOT NULL,
    name               varchar(255) NOT NULL,
    category           varchar(100) NOT NULL,           -- 'workflow', 'dashboard', 'module'
    description        text,
    specification      jsonb        NOT NULL,
    created_by         varchar(255),
    community_approved boolean      DEFAULT FALSE,
    download_count     integer      DEFAULT 0,
    created_at         timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT templates_pkey PRIMARY KEY (id),
    CONSTRAINT uq_templates_name UNIQUE (name)
);

CREATE INDEX idx_templates_category ON templates (category);
CREATE INDEX idx_templates_approved ON templates (community_approved);

COMMENT ON TABLE templates IS 'Workflow, dashboard and module templates (community catalog) (seed 001)';

-- ---------------------------------------------------------------------------------------------
-- guardrails
-- ---------------------------------------------------------------------------------------------
CREATE TABLE guardrails (
    id            uuid         NOT NULL,
    project_id    uuid,                                 -- NULL for system guardrails
    rule_id       varchar(100) NOT NULL,
    description   text         NOT NULL,
    severity      varchar(32)  NOT NULL,
    auto_reject   boolean      DEFAULT FALSE,
    configuration jsonb,
    enabled       boolean      DEFAULT TRUE,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT guardrails_pkey PRIMARY KEY (id),
    CONSTRAINT ck_guardrails_severity CHECK (severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')),
    CONSTRAINT fk_guardrails_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
);

CREATE INDEX idx_guardrails_project ON guardrails (project_id);
CREATE INDEX idx_guardrails_severity ON guardrails (severity);

COMMENT ON TABLE guardrails IS 'Validation rules applied to changes, per project or system-wide (seed 001)';

-- ---------------------------------------------------------------------------------------------
-- capabilities
-- ---------------------------------------------------------------------------------------------
CREATE TABLE capabilities (
    id              uuid         NOT NULL,
    module_id       uuid         NOT NULL,
    capability_type varchar(100) NOT NULL,              -- 'file_write', 'network_http', 'git_commit'
    granted         boolean      DEFAULT FALSE,
    granted_at      timestamptz,
    revoked_at      timestamptz,
    justification   text,
    CONSTRAINT capabilities_pkey PRIMARY KEY (id),
    CONSTRAINT fk_capabilities_module_id FOREIGN KEY (module_id) REFERENCES modules (id) ON DELETE CASCADE
);

CREATE INDEX idx_capabilities_module ON capabilities (module_id);
CREATE INDEX idx_capabilities_type ON capabilities (capability_type);

COMMENT ON TABLE capabilities IS 'Security capabilities granted to (or revoked from) a module (seed 001)';
