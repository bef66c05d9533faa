-- domain: governance
-- seed: 001
-- description: Seed 001 v1.1.0 metadata governance: metadata_standards, metadata_violations, filesystem_timestamps, clock_sync_status
--
-- Seed 001's TiDB DDL, kept as written; constraints are named. Soft references (seed 001 "Foreign
-- Key Strategy"): filesystem_timestamps.project_id has no FOREIGN KEY; clock_sync_status has none.

CREATE TABLE metadata_standards (
    id                 VARCHAR(36)  NOT NULL,
    standard_name      VARCHAR(100) NOT NULL,
    category           ENUM('temporal', 'nomenclature', 'versioning') NOT NULL,
    pattern_regex      TEXT         NOT NULL,
    validation_message TEXT,
    enforcement_level  ENUM('error', 'warning', 'info') NOT NULL DEFAULT 'error',
    is_active          BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at         TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at         TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_metadata_standards_standard_name UNIQUE (standard_name),
    INDEX idx_category (category),
    INDEX idx_active (is_active)
) ENGINE=InnoDB COMMENT='Registry of metadata validation standards (temporal, nomenclature, versioning) (seed 001)';

CREATE TABLE metadata_violations (
    id              VARCHAR(36)  NOT NULL,
    standard_id     VARCHAR(36)  NOT NULL,
    resource_type   VARCHAR(50)  NOT NULL,
    resource_id     VARCHAR(255) NOT NULL,
    violation_value TEXT,
    suggested_fix   TEXT,
    status          ENUM('open', 'resolved', 'suppressed') NOT NULL DEFAULT 'open',
    detected_at     TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    resolved_at     TIMESTAMP(6) NULL,
    resolved_by     VARCHAR(36),
    PRIMARY KEY (id),
    INDEX idx_resource (resource_type, resource_id),
    INDEX idx_status (status),
    INDEX idx_standard (standard_id),
    INDEX idx_detected (detected_at DESC),
    -- RESTRICT: a standard with recorded violations cannot be deleted (audit trail, seed 000 §3.1)
    CONSTRAINT fk_metadata_violations_standard_id
        FOREIGN KEY (standard_id) REFERENCES metadata_standards (id) ON DELETE RESTRICT
) ENGINE=InnoDB COMMENT='Detected violations of metadata standards, for compliance monitoring and resolution (seed 001)';

CREATE TABLE filesystem_timestamps (
    id             VARCHAR(36)  NOT NULL,
    file_path      TEXT         NOT NULL,
    atime          TIMESTAMP(6) NOT NULL,               -- Access time (last read)
    mtime          TIMESTAMP(6) NOT NULL,               -- Modification time (content changed)
    ctime          TIMESTAMP(6) NOT NULL,               -- Change time (metadata changed)
    captured_at    TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    git_commit_sha VARCHAR(40),                         -- Associated git commit (if applicable)
    project_id     VARCHAR(36),                         -- soft -> projects.id
    PRIMARY KEY (id),
    INDEX idx_file_path (file_path(255)),
    INDEX idx_mtime (mtime),
    INDEX idx_project (project_id),
    INDEX idx_captured (captured_at DESC)
) ENGINE=InnoDB COMMENT='Filesystem MAC times captured for correlation with git and database timestamps (seed 001)';

CREATE TABLE clock_sync_status (
    id                  VARCHAR(36)  NOT NULL,
    component_name      VARCHAR(100) NOT NULL,
    protocol            ENUM('NTP', 'PTP', 'Browser', 'Server') NOT NULL,
    stratum             INT,                            -- NTP stratum level (0=reference, 1=primary, etc.)
    offset_microseconds BIGINT       NOT NULL,          -- Current offset from reference
    last_sync_at        TIMESTAMP(6) NOT NULL,
    status              ENUM('synchronized', 'drifting', 'error') NOT NULL,
    error_message       TEXT,
    PRIMARY KEY (id),
    INDEX idx_component (component_name),
    INDEX idx_status (status),
    INDEX idx_last_sync (last_sync_at DESC)
) ENGINE=InnoDB COMMENT='Clock synchronization of system components against the <10 ms drift target (seed 001)';
