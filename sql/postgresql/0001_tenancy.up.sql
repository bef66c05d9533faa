-- domain: tenancy
-- seed: 003
-- description: Users, organizations, members, subscriptions, projects (+ seed 001 columns), API keys, MCP registry, policies; the updated_at trigger function
--
-- Seed 003's transactional layer. Deviations from the seed text, all fixed by sql/README.md:
--   * uuid_generate_v4() -> gen_random_uuid() (built in since PostgreSQL 13, no uuid-ossp).
--   * projects also carries seed 001's owner_user_id, workflow_template, git_repository (and its
--     idx_owner / idx_template indexes, prefixed with the table name: index names are per schema here).
--   * mcp_servers' "UNIQUE(project_id, name) WHERE deleted_at IS NULL" is not valid inside CREATE TABLE;
--     it is the partial unique index idx_mcp_servers_project_id_name.
--   * Unnamed seed constraints get names: ck_<table>_<column>, uq_<table>_<columns>, fk_<table>_<column>.
-- Foreign keys without an ON DELETE clause in the seed keep the default (NO ACTION).

-- Seed 002's trigger function, created once here and used by every table with updated_at.
CREATE FUNCTION update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION update_updated_at_column() IS
    'BEFORE UPDATE trigger: sets updated_at (PostgreSQL counterpart of ON UPDATE CURRENT_TIMESTAMP(6))';

-- ---------------------------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------------------------
CREATE TABLE users (
    id               uuid         NOT NULL DEFAULT gen_random_uuid(),
    -- Authentication
    email            varchar(255) NOT NULL,
    email_verified   boolean      NOT NULL DEFAULT FALSE,
    password_hash    varchar(255),                      -- NULL for OAuth-only users
    -- Profile
    name             varchar(255) NOT NULL,
    avatar_url       varchar(500),
    timezone         varchar(50)  DEFAULT 'UTC',
    locale           varchar(10)  DEFAULT 'en-US',
    -- MFA
    mfa_enabled      boolean      NOT NULL DEFAULT FALSE,
    mfa_secret       varchar(255),
    mfa_backup_codes text[],
    -- Status
    status           varchar(20)  NOT NULL DEFAULT 'active',
    last_login_at    timestamptz,
    last_login_ip    inet,
    -- Metadata
    settings         jsonb        NOT NULL DEFAULT '{}',
    metadata         jsonb        NOT NULL DEFAULT '{}',
    -- Timestamps
    created_at       timestamptz  NOT NULL DEFAULT now(),
    updated_at       timestamptz  NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT uq_users_email UNIQUE (email),
    CONSTRAINT ck_users_status CHECK (status IN ('active', 'suspended', 'pending_verification'))
);

CREATE INDEX idx_users_email ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX idx_users_status ON users (status) WHERE deleted_at IS NULL;
CREATE INDEX idx_users_created_at ON users (created_at);
-- Full-text search on names.
CREATE INDEX idx_users_name_search ON users USING gin (to_tsvector('english', name));

CREATE TRIGGER update_users_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE users IS 'Platform users: authentication, profile, MFA and status (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- organizations
-- ---------------------------------------------------------------------------------------------
CREATE TABLE organizations (
    id                    uuid         NOT NULL DEFAULT gen_random_uuid(),
    -- Identity
    name                  varchar(255) NOT NULL,
    slug                  varchar(100) NOT NULL,
    -- Contact
    billing_email         varchar(255),
    support_email         varchar(255),
    -- Settings
    settings              jsonb        NOT NULL DEFAULT '{
        "default_model": "claude-3-sonnet",
        "require_mcp_approval": true,
        "audit_retention_days": 90
    }',
    -- Billing
    stripe_customer_id    varchar(255),
    -- Security
    sso_enabled           boolean      NOT NULL DEFAULT FALSE,
    sso_provider          varchar(50),
    sso_config            jsonb,
    allowed_email_domains text[],
    -- Status
    status                varchar(20)  NOT NULL DEFAULT 'active',
    -- Timestamps
    created_at            timestamptz  NOT NULL DEFAULT now(),
    updated_at            timestamptz  NOT NULL DEFAULT now(),
    deleted_at            timestamptz,
    CONSTRAINT organizations_pkey PRIMARY KEY (id),
    CONSTRAINT uq_organizations_slug UNIQUE (slug),
    CONSTRAINT ck_organizations_status CHECK (status IN ('active', 'suspended', 'pending'))
);

-- The seed declares slug UNIQUE (column) and also this partial unique index; the column constraint
-- is the stricter of the two, this index is kept (seed name) for lookups of live organizations.
CREATE UNIQUE INDEX idx_orgs_slug ON organizations (slug) WHERE deleted_at IS NULL;
CREATE INDEX idx_orgs_status ON organizations (status) WHERE deleted_at IS NULL;
CREATE INDEX idx_orgs_stripe_customer ON organizations (stripe_customer_id);

CREATE TRIGGER update_organizations_updated_at
    BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE organizations IS 'Tenants: multi-tenant account structure, billing and SSO settings (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- org_members
-- ---------------------------------------------------------------------------------------------
CREATE TABLE org_members (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- Relationships
    org_id      uuid        NOT NULL,
    user_id     uuid        NOT NULL,
    -- Role
    role        varchar(20) NOT NULL DEFAULT 'member',
    -- Invitation
    invited_by  uuid,
    invited_at  timestamptz,
    accepted_at timestamptz,
    -- Status
    status      varchar(20) NOT NULL DEFAULT 'active',
    -- Timestamps
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT org_members_pkey PRIMARY KEY (id),
    CONSTRAINT uq_org_members_org_id_user_id UNIQUE (org_id, user_id),
    CONSTRAINT ck_org_members_role CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    CONSTRAINT ck_org_members_status CHECK (status IN ('active', 'invited', 'suspended')),
    CONSTRAINT fk_org_members_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_org_members_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_org_members_invited_by FOREIGN KEY (invited_by) REFERENCES users (id)
);

CREATE INDEX idx_org_members_user ON org_members (user_id);
CREATE INDEX idx_org_members_org ON org_members (org_id);
CREATE INDEX idx_org_members_role ON org_members (org_id, role);

CREATE TRIGGER update_org_members_updated_at
    BEFORE UPDATE ON org_members
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE org_members IS 'User membership and role in an organization (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- subscriptions
-- ---------------------------------------------------------------------------------------------
-- Seed 003's relationship table says "Set Null" for Organization -> Subscription, but its table
-- definition has org_id NOT NULL ... ON DELETE CASCADE; the table definition is followed.
CREATE TABLE subscriptions (
    id                     uuid         NOT NULL DEFAULT gen_random_uuid(),
    -- Relationships
    org_id                 uuid         NOT NULL,
    -- Plan
    plan                   varchar(20)  NOT NULL DEFAULT 'free',
    -- Stripe
    stripe_subscription_id varchar(255),
    stripe_price_id        varchar(255),
    -- Billing
    billing_cycle          varchar(20)  NOT NULL DEFAULT 'monthly',
    -- Status
    status                 varchar(20)  NOT NULL DEFAULT 'active',
    -- Dates
    current_period_start   timestamptz,
    current_period_end     timestamptz,
    trial_end              timestamptz,
    canceled_at            timestamptz,
    -- Limits (plan-specific)
    limits                 jsonb        NOT NULL DEFAULT '{
        "max_users": 5,
        "max_projects": 3,
        "max_tokens_per_month": 1000000,
        "max_mcp_servers": 10
    }',
    -- Timestamps
    created_at             timestamptz  NOT NULL DEFAULT now(),
    updated_at             timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT subscriptions_pkey PRIMARY KEY (id),
    CONSTRAINT ck_subscriptions_plan CHECK (plan IN ('free', 'team', 'pro', 'enterprise')),
    CONSTRAINT ck_subscriptions_billing_cycle CHECK (billing_cycle IN ('monthly', 'yearly')),
    CONSTRAINT ck_subscriptions_status CHECK (status IN ('active', 'past_due', 'canceled', 'trialing')),
    CONSTRAINT fk_subscriptions_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

-- The seed declares org_id UNIQUE inline and again as this unique index: one index serves both.
CREATE UNIQUE INDEX idx_subscriptions_org ON subscriptions (org_id);
CREATE INDEX idx_subscriptions_stripe ON subscriptions (stripe_subscription_id);
CREATE INDEX idx_subscriptions_status ON subscriptions (status);

CREATE TRIGGER update_subscriptions_updated_at
    BEFORE UPDATE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE subscriptions IS 'Billing plan and status, one per organization (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- projects (seed 003 tenancy columns + seed 001 columns)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE projects (
    id                uuid         NOT NULL DEFAULT gen_random_uuid(),
    -- Relationships
    org_id            uuid         NOT NULL,
    -- Identity
    name              varchar(255) NOT NULL,
    slug              varchar(100) NOT NULL,
    description       text,
    -- Configuration
    settings          jsonb        NOT NULL DEFAULT '{
        "allowed_models": ["claude-3-opus", "claude-3-sonnet", "claude-3-haiku"],
        "default_model": "claude-3-sonnet",
        "mcp_auto_approve": false
    }',
    -- Quotas
    quotas            jsonb        NOT NULL DEFAULT '{
        "max_tokens_per_day": null,
        "max_cost_per_day_usd": null,
        "max_requests_per_minute": 100
    }',
    -- Status
    status            varchar(20)  NOT NULL DEFAULT 'active',
    -- Timestamps
    created_at        timestamptz  NOT NULL DEFAULT now(),
    updated_at        timestamptz  NOT NULL DEFAULT now(),
    deleted_at        timestamptz,
    -- Seed 001 (TiDB data model): free-form owner id, workflow template, repository
    owner_user_id     varchar(255) NOT NULL,
    workflow_template varchar(100),                     -- 'vibe_coding', 'data_science', 'note_taking'
    git_repository    varchar(500),
    CONSTRAINT projects_pkey PRIMARY KEY (id),
    CONSTRAINT uq_projects_org_id_slug UNIQUE (org_id, slug),
    CONSTRAINT ck_projects_status CHECK (status IN ('active', 'paused', 'archived')),
    CONSTRAINT fk_projects_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE INDEX idx_projects_org ON projects (org_id) WHERE deleted_at IS NULL;
CREATE INDEX idx_projects_status ON projects (org_id, status) WHERE deleted_at IS NULL;
-- Seed 001's idx_owner / idx_template
CREATE INDEX idx_projects_owner ON projects (owner_user_id);
CREATE INDEX idx_projects_template ON projects (workflow_template);

CREATE TRIGGER update_projects_updated_at
    BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE projects IS 'Projects: resource containers within an organization; root of the seed 001 hierarchy (seeds 003 + 001)';

-- ---------------------------------------------------------------------------------------------
-- api_keys
-- ---------------------------------------------------------------------------------------------
CREATE TABLE api_keys (
    id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    -- Relationships
    project_id   uuid         NOT NULL,
    created_by   uuid         NOT NULL,
    -- Key
    key_prefix   varchar(20)  NOT NULL,                 -- mw_sk_live_, mw_sk_test_
    key_hash     varchar(64)  NOT NULL,                 -- SHA-256 hash
    -- Metadata
    name         varchar(255) NOT NULL,
    description  text,
    -- Permissions
    scopes       text[]       NOT NULL DEFAULT ARRAY['read', 'write'],
    allowed_ips  inet[],
    -- Usage
    last_used_at timestamptz,
    last_used_ip inet,
    usage_count  bigint       NOT NULL DEFAULT 0,
    -- Expiration
    expires_at   timestamptz,
    -- Status
    status       varchar(20)  NOT NULL DEFAULT 'active',
    revoked_at   timestamptz,
    revoked_by   uuid,
    -- Timestamps
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT ck_api_keys_status CHECK (status IN ('active', 'revoked', 'expired')),
    CONSTRAINT fk_api_keys_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_api_keys_created_by FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT fk_api_keys_revoked_by FOREIGN KEY (revoked_by) REFERENCES users (id)
);

CREATE INDEX idx_api_keys_project ON api_keys (project_id) WHERE status = 'active';
CREATE INDEX idx_api_keys_prefix_hash ON api_keys (key_prefix, key_hash);
CREATE INDEX idx_api_keys_last_used ON api_keys (last_used_at);

CREATE TRIGGER update_api_keys_updated_at
    BEFORE UPDATE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE api_keys IS 'Project API keys (hashed), scopes, usage and revocation (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- mcp_servers
-- ---------------------------------------------------------------------------------------------
CREATE TABLE mcp_servers (
    id                    uuid         NOT NULL DEFAULT gen_random_uuid(),
    -- Relationships
    project_id            uuid         NOT NULL,
    registered_by         uuid         NOT NULL,
    -- Identity
    name                  varchar(255) NOT NULL,
    description           text,
    version               varchar(50),
    -- Transport configuration
    transport_type        varchar(20)  NOT NULL,
    transport_config      jsonb        NOT NULL,       -- {"command": "npx", "args": ["-y", "@github/mcp-server"]}
    -- Environment
    environment           jsonb        NOT NULL DEFAULT '{}',
    -- Manifest
    manifest              jsonb,
    manifest_url          varchar(500),
    -- Status
    status                varchar(20)  NOT NULL DEFAULT 'pending',
    -- Approval
    approved_by           uuid,
    approved_at           timestamptz,
    rejection_reason      text,
    -- Security scan
    security_scan_status  varchar(20)  DEFAULT 'pending',
    security_scan_results jsonb,
    last_scanned_at       timestamptz,
    -- Policy
    policy                jsonb        NOT NULL DEFAULT '{
        "allowed_roles": ["admin", "developer"],
        "rate_limit_per_minute": 100,
        "requires_approval_per_use": false
    }',
    -- Timestamps
    created_at            timestamptz  NOT NULL DEFAULT now(),
    updated_at            timestamptz  NOT NULL DEFAULT now(),
    deleted_at            timestamptz,
    CONSTRAINT mcp_servers_pkey PRIMARY KEY (id),
    CONSTRAINT ck_mcp_servers_transport_type CHECK (transport_type IN ('stdio', 'sse', 'http')),
    CONSTRAINT ck_mcp_servers_status CHECK (status IN ('pending', 'approved', 'rejected', 'deprecated')),
    CONSTRAINT ck_mcp_servers_security_scan_status
        CHECK (security_scan_status IN ('pending', 'running', 'passed', 'failed')),
    CONSTRAINT fk_mcp_servers_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_mcp_servers_registered_by FOREIGN KEY (registered_by) REFERENCES users (id),
    CONSTRAINT fk_mcp_servers_approved_by FOREIGN KEY (approved_by) REFERENCES users (id)
);

-- Seed: UNIQUE(project_id, name) WHERE deleted_at IS NULL (a name is unique among live servers).
CREATE UNIQUE INDEX idx_mcp_servers_project_id_name ON mcp_servers (project_id, name) WHERE deleted_at IS NULL;
CREATE INDEX idx_mcp_servers_project ON mcp_servers (project_id) WHERE deleted_at IS NULL;
CREATE INDEX idx_mcp_servers_status ON mcp_servers (project_id, status) WHERE deleted_at IS NULL;

CREATE TRIGGER update_mcp_servers_updated_at
    BEFORE UPDATE ON mcp_servers
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE mcp_servers IS 'Registered MCP servers per project: transport, approval, security scan, policy (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- mcp_tools
-- ---------------------------------------------------------------------------------------------
CREATE TABLE mcp_tools (
    id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    -- Relationships
    server_id    uuid         NOT NULL,
    -- Identity
    name         varchar(255) NOT NULL,
    description  text,
    -- Schema
    input_schema jsonb        NOT NULL,
    -- Risk assessment
    risk_level   varchar(20)  NOT NULL DEFAULT 'low',
    risk_notes   text,
    -- Status
    enabled      boolean      NOT NULL DEFAULT TRUE,
    -- Timestamps
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT mcp_tools_pkey PRIMARY KEY (id),
    CONSTRAINT uq_mcp_tools_server_id_name UNIQUE (server_id, name),
    CONSTRAINT ck_mcp_tools_risk_level CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    CONSTRAINT fk_mcp_tools_server_id FOREIGN KEY (server_id) REFERENCES mcp_servers (id) ON DELETE CASCADE
);

CREATE INDEX idx_mcp_tools_server ON mcp_tools (server_id);
CREATE INDEX idx_mcp_tools_risk ON mcp_tools (server_id, risk_level);

CREATE TRIGGER update_mcp_tools_updated_at
    BEFORE UPDATE ON mcp_tools
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE mcp_tools IS 'Tools exposed by MCP servers, with input schema and risk level (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- policies
-- ---------------------------------------------------------------------------------------------
CREATE TABLE policies (
    id          uuid         NOT NULL DEFAULT gen_random_uuid(),
    -- Relationships (one of org_id or project_id required)
    org_id      uuid,
    project_id  uuid,
    created_by  uuid         NOT NULL,
    -- Identity
    name        varchar(255) NOT NULL,
    description text,
    -- Policy type
    type        varchar(20)  NOT NULL,
    -- Rules (JSON schema varies by type)
    rules       jsonb        NOT NULL,
    -- Scope
    applies_to  jsonb        NOT NULL DEFAULT '{
        "users": ["all"],
        "projects": ["all"],
        "models": ["all"]
    }',
    -- Priority (higher = evaluated first)
    priority    integer      NOT NULL DEFAULT 100,
    -- Status
    status      varchar(20)  NOT NULL DEFAULT 'active',
    -- Timestamps
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    CONSTRAINT policies_pkey PRIMARY KEY (id),
    CONSTRAINT ck_policies_type CHECK (type IN ('usage', 'access', 'compliance', 'custom')),
    CONSTRAINT ck_policies_status CHECK (status IN ('active', 'disabled', 'draft')),
    CONSTRAINT ck_policies_scope CHECK (org_id IS NOT NULL OR project_id IS NOT NULL),
    CONSTRAINT fk_policies_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_policies_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_policies_created_by FOREIGN KEY (created_by) REFERENCES users (id)
);

CREATE INDEX idx_policies_org ON policies (org_id) WHERE deleted_at IS NULL;
CREATE INDEX idx_policies_project ON policies (project_id) WHERE deleted_at IS NULL;
CREATE INDEX idx_policies_type ON policies (type, status) WHERE deleted_at IS NULL;
CREATE INDEX idx_policies_priority ON policies (priority DESC);

CREATE TRIGGER update_policies_updated_at
    BEFORE UPDATE ON policies
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE policies IS 'Governance rules and quotas scoped to an organization or a project (seed 003)';
