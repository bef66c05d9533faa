-- domain: tenancy
-- seed: 003
-- description: Users, organizations, members, subscriptions, projects (+ seed 001 columns), API keys, MCP registry, policies
--
-- MySQL family (MariaDB 10.11+, MySQL 8.0.13+, TiDB 8.5) spelling of seed 003's PostgreSQL design:
--   * UUID -> CHAR(36) DEFAULT (UUID()); TIMESTAMPTZ -> TIMESTAMP(6) (UTC sessions); JSONB -> JSON;
--     INET -> VARCHAR(45); TEXT[] / INET[] -> JSON arrays.
--   * updated_at uses ON UPDATE CURRENT_TIMESTAMP(6) (PostgreSQL uses update_updated_at_column()).
--   * JSON defaults are expressions (the only form MySQL 8 and TiDB accept on JSON columns), built with
--     JSON_OBJECT / JSON_ARRAY, which TiDB allows as defaults. JSON true/false are written as
--     JSON_EXTRACT('true', '$') so that every engine stores a JSON boolean, not the integer 1.
--   * Partial indexes (WHERE deleted_at IS NULL / status = 'active') become the nearest composite
--     index with the predicate column last, so the predicate is evaluated from the index.
--   * Nullable TIMESTAMP columns say NULL explicitly (safe whatever explicit_defaults_for_timestamp is).
-- Foreign keys without an ON DELETE clause in the seed keep the default (NO ACTION / RESTRICT).
-- Tables are created in foreign-key order, each in one statement, so a failure leaves whole tables.

-- ---------------------------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------------------------
CREATE TABLE users (
    id               CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Authentication
    email            VARCHAR(255) NOT NULL,
    email_verified   BOOLEAN      NOT NULL DEFAULT FALSE,
    password_hash    VARCHAR(255),                      -- NULL for OAuth-only users
    -- Profile
    name             VARCHAR(255) NOT NULL,
    avatar_url       VARCHAR(500),
    timezone         VARCHAR(50)  DEFAULT 'UTC',
    locale           VARCHAR(10)  DEFAULT 'en-US',
    -- MFA
    mfa_enabled      BOOLEAN      NOT NULL DEFAULT FALSE,
    mfa_secret       VARCHAR(255),
    mfa_backup_codes JSON,                              -- TEXT[] on PostgreSQL: a JSON array of strings
    -- Status
    status           VARCHAR(20)  NOT NULL DEFAULT 'active',
    last_login_at    TIMESTAMP(6) NULL,
    last_login_ip    VARCHAR(45),
    -- Metadata
    settings         JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    metadata         JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    -- Timestamps
    created_at       TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at       TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    deleted_at       TIMESTAMP(6) NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_users_email UNIQUE (email),
    CONSTRAINT ck_users_status CHECK (status IN ('active', 'suspended', 'pending_verification')),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_users_email (email, deleted_at),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_users_status (status, deleted_at),
    INDEX idx_users_created_at (created_at),
    -- GIN to_tsvector('english', name) on PostgreSQL; a FULLTEXT index here (TiDB 8.5 accepts and ignores FULLTEXT keys)
    FULLTEXT INDEX idx_users_name_search (name)
) ENGINE=InnoDB COMMENT='Platform users: authentication, profile, MFA and status (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- organizations
-- ---------------------------------------------------------------------------------------------
CREATE TABLE organizations (
    id                    CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Identity
    name                  VARCHAR(255) NOT NULL,
    slug                  VARCHAR(100) NOT NULL,
    -- Contact
    billing_email         VARCHAR(255),
    support_email         VARCHAR(255),
    -- Settings
    settings              JSON         NOT NULL DEFAULT (JSON_OBJECT(
        'default_model', 'claude-3-sonnet',
        'require_mcp_approval', JSON_EXTRACT('true', '$'),
        'audit_retention_days', 90)),
    -- Billing
    stripe_customer_id    VARCHAR(255),
    -- Security
    sso_enabled           BOOLEAN      NOT NULL DEFAULT FALSE,
    sso_provider          VARCHAR(50),
    sso_config            JSON,
    allowed_email_domains JSON,                         -- TEXT[] on PostgreSQL
    -- Status
    status                VARCHAR(20)  NOT NULL DEFAULT 'active',
    -- Timestamps
    created_at            TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at            TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    deleted_at            TIMESTAMP(6) NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_organizations_slug UNIQUE (slug),
    CONSTRAINT ck_organizations_status CHECK (status IN ('active', 'suspended', 'pending')),
    -- partial unique index on PostgreSQL: (slug) WHERE deleted_at IS NULL; nearest composite here because
    -- the MySQL family has no partial indexes (uniqueness is already enforced, more strictly, by uq_organizations_slug)
    INDEX idx_orgs_slug (slug, deleted_at),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_orgs_status (status, deleted_at),
    INDEX idx_orgs_stripe_customer (stripe_customer_id)
) ENGINE=InnoDB COMMENT='Tenants: multi-tenant account structure, billing and SSO settings (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- org_members
-- ---------------------------------------------------------------------------------------------
CREATE TABLE org_members (
    id          CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Relationships
    org_id      CHAR(36)     NOT NULL,
    user_id     CHAR(36)     NOT NULL,
    -- Role
    role        VARCHAR(20)  NOT NULL DEFAULT 'member',
    -- Invitation
    invited_by  CHAR(36),
    invited_at  TIMESTAMP(6) NULL,
    accepted_at TIMESTAMP(6) NULL,
    -- Status
    status      VARCHAR(20)  NOT NULL DEFAULT 'active',
    -- Timestamps
    created_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_org_members_org_id_user_id UNIQUE (org_id, user_id),
    CONSTRAINT ck_org_members_role CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    CONSTRAINT ck_org_members_status CHECK (status IN ('active', 'invited', 'suspended')),
    INDEX idx_org_members_user (user_id),
    INDEX idx_org_members_org (org_id),
    INDEX idx_org_members_role (org_id, role),
    CONSTRAINT fk_org_members_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_org_members_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_org_members_invited_by FOREIGN KEY (invited_by) REFERENCES users (id)
) ENGINE=InnoDB COMMENT='User membership and role in an organization (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- subscriptions
-- ---------------------------------------------------------------------------------------------
-- Seed 003's relationship table says "Set Null" for Organization -> Subscription, but its table
-- definition has org_id NOT NULL ... ON DELETE CASCADE; the table definition is followed.
CREATE TABLE subscriptions (
    id                     CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Relationships
    org_id                 CHAR(36)     NOT NULL,
    -- Plan
    plan                   VARCHAR(20)  NOT NULL DEFAULT 'free',
    -- Stripe
    stripe_subscription_id VARCHAR(255),
    stripe_price_id        VARCHAR(255),
    -- Billing
    billing_cycle          VARCHAR(20)  NOT NULL DEFAULT 'monthly',
    -- Status
    status                 VARCHAR(20)  NOT NULL DEFAULT 'active',
    -- Dates
    current_period_start   TIMESTAMP(6) NULL,
    current_period_end     TIMESTAMP(6) NULL,
    trial_end              TIMESTAMP(6) NULL,
    canceled_at            TIMESTAMP(6) NULL,
    -- Limits (plan-specific)
    limits                 JSON         NOT NULL DEFAULT (JSON_OBJECT(
        'max_users', 5,
        'max_projects', 3,
        'max_tokens_per_month', 1000000,
        'max_mcp_servers', 10)),
    -- Timestamps
    created_at             TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at             TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT ck_subscriptions_plan CHECK (plan IN ('free', 'team', 'pro', 'enterprise')),
    CONSTRAINT ck_subscriptions_billing_cycle CHECK (billing_cycle IN ('monthly', 'yearly')),
    CONSTRAINT ck_subscriptions_status CHECK (status IN ('active', 'past_due', 'canceled', 'trialing')),
    -- The seed declares org_id UNIQUE inline and again as this unique index: one index serves both.
    UNIQUE INDEX idx_subscriptions_org (org_id),
    INDEX idx_subscriptions_stripe (stripe_subscription_id),
    INDEX idx_subscriptions_status (status),
    CONSTRAINT fk_subscriptions_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Billing plan and status, one per organization (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- projects (seed 003 tenancy columns + seed 001 columns)
-- ---------------------------------------------------------------------------------------------
-- projects.id is CHAR(36) like every seed-003 uuid; the seed-001 foreign keys that point at it
-- (profiles, guardrails, sync_buffer, ...) use CHAR(36) too, since TiDB requires a foreign key
-- column to have exactly its parent's type.
CREATE TABLE projects (
    id                CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Relationships
    org_id            CHAR(36)     NOT NULL,
    -- Identity
    name              VARCHAR(255) NOT NULL,
    slug              VARCHAR(100) NOT NULL,
    description       TEXT,
    -- Configuration
    settings          JSON         NOT NULL DEFAULT (JSON_OBJECT(
        'allowed_models', JSON_ARRAY('claude-3-opus', 'claude-3-sonnet', 'claude-3-haiku'),
        'default_model', 'claude-3-sonnet',
        'mcp_auto_approve', JSON_EXTRACT('false', '$'))),
    -- Quotas
    quotas            JSON         NOT NULL DEFAULT (JSON_OBJECT(
        'max_tokens_per_day', NULL,
        'max_cost_per_day_usd', NULL,
        'max_requests_per_minute', 100)),
    -- Status
    status            VARCHAR(20)  NOT NULL DEFAULT 'active',
    -- Timestamps
    created_at        TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at        TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    deleted_at        TIMESTAMP(6) NULL,
    -- Seed 001 (TiDB data model): free-form owner id, workflow template, repository
    owner_user_id     VARCHAR(255) NOT NULL,
    workflow_template VARCHAR(100),                     -- 'vibe_coding', 'data_science', 'note_taking'
    git_repository    VARCHAR(500),
    PRIMARY KEY (id),
    CONSTRAINT uq_projects_org_id_slug UNIQUE (org_id, slug),
    CONSTRAINT ck_projects_status CHECK (status IN ('active', 'paused', 'archived')),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_projects_org (org_id, deleted_at),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_projects_status (org_id, status, deleted_at),
    -- Seed 001's indexes, with its names
    INDEX idx_owner (owner_user_id),
    INDEX idx_template (workflow_template),
    CONSTRAINT fk_projects_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Projects: resource containers within an organization; root of the seed 001 hierarchy (seeds 003 + 001)';

-- ---------------------------------------------------------------------------------------------
-- api_keys
-- ---------------------------------------------------------------------------------------------
CREATE TABLE api_keys (
    id           CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Relationships
    project_id   CHAR(36)     NOT NULL,
    created_by   CHAR(36)     NOT NULL,
    -- Key
    key_prefix   VARCHAR(20)  NOT NULL,                 -- mw_sk_live_, mw_sk_test_
    key_hash     VARCHAR(64)  NOT NULL,                 -- SHA-256 hash
    -- Metadata
    name         VARCHAR(255) NOT NULL,
    description  TEXT,
    -- Permissions
    scopes       JSON         NOT NULL DEFAULT (JSON_ARRAY('read', 'write')),   -- TEXT[] on PostgreSQL
    allowed_ips  JSON,                                  -- INET[] on PostgreSQL
    -- Usage
    last_used_at TIMESTAMP(6) NULL,
    last_used_ip VARCHAR(45),
    usage_count  BIGINT       NOT NULL DEFAULT 0,
    -- Expiration
    expires_at   TIMESTAMP(6) NULL,
    -- Status
    status       VARCHAR(20)  NOT NULL DEFAULT 'active',
    revoked_at   TIMESTAMP(6) NULL,
    revoked_by   CHAR(36),
    -- Timestamps
    created_at   TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at   TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT ck_api_keys_status CHECK (status IN ('active', 'revoked', 'expired')),
    -- partial index on PostgreSQL: WHERE status = 'active'; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_api_keys_project (project_id, status),
    INDEX idx_api_keys_prefix_hash (key_prefix, key_hash),
    INDEX idx_api_keys_last_used (last_used_at),
    CONSTRAINT fk_api_keys_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_api_keys_created_by FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT fk_api_keys_revoked_by FOREIGN KEY (revoked_by) REFERENCES users (id)
) ENGINE=InnoDB COMMENT='Project API keys (hashed), scopes, usage and revocation (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- mcp_servers
-- ---------------------------------------------------------------------------------------------
CREATE TABLE mcp_servers (
    id                    CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Relationships
    project_id            CHAR(36)     NOT NULL,
    registered_by         CHAR(36)     NOT NULL,
    -- Identity
    name                  VARCHAR(255) NOT NULL,
    description           TEXT,
    version               VARCHAR(50),
    -- Transport configuration
    transport_type        VARCHAR(20)  NOT NULL,
    transport_config      JSON         NOT NULL,       -- {"command": "npx", "args": ["-y", "@github/mcp-server"]}
    -- Environment
    environment           JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    -- Manifest
    manifest              JSON,
    manifest_url          VARCHAR(500),
    -- Status
    status                VARCHAR(20)  NOT NULL DEFAULT 'pending',
    -- Approval
    approved_by           CHAR(36),
    approved_at           TIMESTAMP(6) NULL,
    rejection_reason      TEXT,
    -- Security scan
    security_scan_status  VARCHAR(20)  DEFAULT 'pending',
    security_scan_results JSON,
    last_scanned_at       TIMESTAMP(6) NULL,
    -- Policy
    policy                JSON         NOT NULL DEFAULT (JSON_OBJECT(
        'allowed_roles', JSON_ARRAY('admin', 'developer'),
        'rate_limit_per_minute', 100,
        'requires_approval_per_use', JSON_EXTRACT('false', '$'))),
    -- Timestamps
    created_at            TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at            TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    deleted_at            TIMESTAMP(6) NULL,
    PRIMARY KEY (id),
    CONSTRAINT ck_mcp_servers_transport_type CHECK (transport_type IN ('stdio', 'sse', 'http')),
    CONSTRAINT ck_mcp_servers_status CHECK (status IN ('pending', 'approved', 'rejected', 'deprecated')),
    CONSTRAINT ck_mcp_servers_security_scan_status
        CHECK (security_scan_status IN ('pending', 'running', 'passed', 'failed')),
    -- partial unique index on PostgreSQL: UNIQUE (project_id, name) WHERE deleted_at IS NULL; nearest composite
    -- here because the MySQL family has no partial (or filtered) unique index: a UNIQUE key over
    -- (project_id, name, deleted_at) would not stop two live rows (NULLs are distinct) and UNIQUE
    -- (project_id, name) would forbid re-using a soft-deleted server's name. Live-name uniqueness is
    -- therefore the application's job on this engine family; this non-unique index makes its check cheap.
    INDEX idx_mcp_servers_project_id_name (project_id, name, deleted_at),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_mcp_servers_project (project_id, deleted_at),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_mcp_servers_status (project_id, status, deleted_at),
    CONSTRAINT fk_mcp_servers_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_mcp_servers_registered_by FOREIGN KEY (registered_by) REFERENCES users (id),
    CONSTRAINT fk_mcp_servers_approved_by FOREIGN KEY (approved_by) REFERENCES users (id)
) ENGINE=InnoDB COMMENT='Registered MCP servers per project: transport, approval, security scan, policy (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- mcp_tools
-- ---------------------------------------------------------------------------------------------
CREATE TABLE mcp_tools (
    id           CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Relationships
    server_id    CHAR(36)     NOT NULL,
    -- Identity
    name         VARCHAR(255) NOT NULL,
    description  TEXT,
    -- Schema
    input_schema JSON         NOT NULL,
    -- Risk assessment
    risk_level   VARCHAR(20)  NOT NULL DEFAULT 'low',
    risk_notes   TEXT,
    -- Status
    enabled      BOOLEAN      NOT NULL DEFAULT TRUE,
    -- Timestamps
    created_at   TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at   TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_mcp_tools_server_id_name UNIQUE (server_id, name),
    CONSTRAINT ck_mcp_tools_risk_level CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    INDEX idx_mcp_tools_server (server_id),
    INDEX idx_mcp_tools_risk (server_id, risk_level),
    CONSTRAINT fk_mcp_tools_server_id FOREIGN KEY (server_id) REFERENCES mcp_servers (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='Tools exposed by MCP servers, with input schema and risk level (seed 003)';

-- ---------------------------------------------------------------------------------------------
-- policies
-- ---------------------------------------------------------------------------------------------
-- Seed 003's table CHECK (org_id IS NOT NULL OR project_id IS NOT NULL) is NOT created on the MySQL
-- family: MySQL 8 (ER_CHECK_CONSTRAINT_CLAUSE_USING_FK_REFER_ACTION_COLUMN, 3823) and TiDB reject a
-- CHECK on columns that have ON DELETE CASCADE foreign keys. PostgreSQL enforces it
-- (ck_policies_scope); here the writer must (see sql/README.md, MySQL-family physical design).
CREATE TABLE policies (
    id          CHAR(36)     NOT NULL DEFAULT (UUID()),
    -- Relationships (one of org_id or project_id required)
    org_id      CHAR(36),
    project_id  CHAR(36),
    created_by  CHAR(36)     NOT NULL,
    -- Identity
    name        VARCHAR(255) NOT NULL,
    description TEXT,
    -- Policy type
    type        VARCHAR(20)  NOT NULL,
    -- Rules (JSON schema varies by type)
    rules       JSON         NOT NULL,
    -- Scope
    applies_to  JSON         NOT NULL DEFAULT (JSON_OBJECT(
        'users', JSON_ARRAY('all'),
        'projects', JSON_ARRAY('all'),
        'models', JSON_ARRAY('all'))),
    -- Priority (higher = evaluated first)
    priority    INT          NOT NULL DEFAULT 100,
    -- Status
    status      VARCHAR(20)  NOT NULL DEFAULT 'active',
    -- Timestamps
    created_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    deleted_at  TIMESTAMP(6) NULL,
    PRIMARY KEY (id),
    CONSTRAINT ck_policies_type CHECK (type IN ('usage', 'access', 'compliance', 'custom')),
    CONSTRAINT ck_policies_status CHECK (status IN ('active', 'disabled', 'draft')),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_policies_org (org_id, deleted_at),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_policies_project (project_id, deleted_at),
    -- partial index on PostgreSQL: WHERE deleted_at IS NULL; nearest composite here because the MySQL family has no partial indexes
    INDEX idx_policies_type (type, status, deleted_at),
    INDEX idx_policies_priority (priority DESC),
    CONSTRAINT fk_policies_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_policies_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_policies_created_by FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB COMMENT='Governance rules and quotas scoped to an organization or a project (seed 003)';
