-- domain: sync_audit
-- seed: 001, 003
-- description: Seed 001 v1.0.0 sync_buffer, propagation_log, version_history; merged audit_logs (seeds 001 + 003)
--
-- Seed 001's TiDB DDL (VARCHAR(36) ids, TIMESTAMP(6), native ENUM, seed index names); constraints
-- are named, and sync_buffer.project_id is CHAR(36) like projects.id (TiDB requires a foreign key
-- column to have its parent's exact type).
-- audit_logs merges seed 001's and seed 003's designs (sql/README.md, "Shared tables"):
--   * id BIGINT is AUTO_RANDOM on TiDB (seed 000 §6.1: no write hotspot) and AUTO_INCREMENT on
--     MariaDB/MySQL (the -- @not-tidb statement after the CREATE). The primary key is (id, `timestamp`)
--     so that TiDB can range-partition the table by month on `timestamp` (migration 0015): every
--     unique key of a partitioned table must contain the partitioning column.
--   * `time` (seed 003) is a stored generated column equal to `timestamp` (MariaDB does not accept
--     NOT NULL on a generated column; `timestamp` is NOT NULL, so `time` never is NULL).
--   * `sensitive` (seed 003) is a reserved word on MySQL/MariaDB: quote it in MySQL-family SQL.
--   * Seed 001's idx_action (action) and idx_resource (resource_type, resource_id) are the leading
--     columns of seed 003's idx_audit_logs_action / idx_audit_logs_resource, which serve both.
-- Seed 003's audit trigger is not created on the MySQL family: it is PL/pgSQL written for seed 003's
-- PostgreSQL design, and TiDB has no triggers (see sql/README.md); writers log explicitly there.

CREATE TABLE sync_buffer (
    id                 VARCHAR(36)  NOT NULL,
    project_id         CHAR(36)     NOT NULL,
    change_type        VARCHAR(100) NOT NULL,
    source_module_id   VARCHAR(36),
    payload            JSON         NOT NULL,
    status             ENUM('PENDING', 'VALIDATED', 'REJECTED', 'PROPAGATED') NOT NULL DEFAULT 'PENDING',
    validation_results JSON,
    impact_analysis    JSON,
    created_at         TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    validated_at       TIMESTAMP(6) NULL,
    propagated_at      TIMESTAMP(6) NULL,
    PRIMARY KEY (id),
    INDEX idx_project_status (project_id, status),
    INDEX idx_created (created_at),
    CONSTRAINT fk_sync_buffer_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='The Bin: proposed changes awaiting validation and propagation (seed 001)';

CREATE TABLE propagation_log (
    id                    VARCHAR(36)  NOT NULL,
    sync_buffer_id        VARCHAR(36)  NOT NULL,
    affected_dashboard_id VARCHAR(36)  NOT NULL,
    propagation_type      VARCHAR(100) NOT NULL,
    status                ENUM('SUCCESS', 'PARTIAL', 'FAILED') NOT NULL,
    error_message         TEXT,
    token_cost            INT,
    duration_ms           INT,
    created_at            TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX idx_sync_buffer (sync_buffer_id),
    INDEX idx_dashboard (affected_dashboard_id),
    INDEX idx_created (created_at),
    CONSTRAINT fk_propagation_log_sync_buffer_id
        FOREIGN KEY (sync_buffer_id) REFERENCES sync_buffer (id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='One row per dashboard a buffered change was propagated to: outcome, token cost, duration (seed 001)';

CREATE TABLE audit_logs (
    -- seed 001
    id               BIGINT       NOT NULL /*T![auto_rand] AUTO_RANDOM */,
    `timestamp`      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    user_id          VARCHAR(255) NOT NULL DEFAULT 'system',
    action           VARCHAR(100) NOT NULL,
    resource_type    VARCHAR(50)  NOT NULL,
    resource_id      VARCHAR(255),
    status           ENUM('success', 'failure', 'partial') NOT NULL DEFAULT 'success',
    metadata         JSON,
    ip_address       VARCHAR(45),
    user_agent       TEXT,
    -- seed 003
    `time`           TIMESTAMP(6) GENERATED ALWAYS AS (`timestamp`) STORED,
    actor_type       VARCHAR(20)  NOT NULL,
    actor_id         CHAR(36),
    actor_ip         VARCHAR(45),                       -- INET on PostgreSQL
    actor_user_agent TEXT,
    org_id           CHAR(36),
    project_id       CHAR(36),
    changes          JSON,                              -- {"name": {"old": "Old Name", "new": "New Name"}}
    request_id       CHAR(36),
    `sensitive`      BOOLEAN      NOT NULL DEFAULT FALSE,   -- SENSITIVE is a reserved word in MySQL/MariaDB
    retention_days   INT,
    PRIMARY KEY (id, `timestamp`) /*T![clustered_index] CLUSTERED */,
    CONSTRAINT ck_audit_logs_actor_type CHECK (actor_type IN ('user', 'api_key', 'system', 'webhook')),
    -- seed 001
    INDEX idx_user_timestamp (user_id, `timestamp`),
    INDEX idx_timestamp (`timestamp`),
    -- seed 003
    INDEX idx_audit_logs_org (org_id, `time` DESC),
    INDEX idx_audit_logs_actor (actor_id, `time` DESC),
    INDEX idx_audit_logs_resource (resource_type, resource_id, `time` DESC),
    INDEX idx_audit_logs_action (action, `time` DESC)
) ENGINE=InnoDB COMMENT='Immutable audit trail (seeds 001 + 003); monthly partitions on TiDB';

-- TiDB already made id AUTO_RANDOM above; MariaDB and MySQL get the seed's AUTO_INCREMENT.
-- @not-tidb
ALTER TABLE audit_logs MODIFY id BIGINT NOT NULL AUTO_INCREMENT;

CREATE TABLE version_history (
    id                 VARCHAR(36)  NOT NULL,
    resource_type      VARCHAR(50)  NOT NULL,
    resource_id        VARCHAR(255) NOT NULL,
    version_number     INT          NOT NULL,
    snapshot           JSON         NOT NULL,
    change_description TEXT,
    created_by         VARCHAR(255) NOT NULL,
    created_at         TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX idx_resource (resource_type, resource_id),
    INDEX idx_created (created_at)
) ENGINE=InnoDB COMMENT='Snapshots of resources per version, for history and rollback (seed 001)';
