-- domain: governance
-- seed: 001
-- description: Seed 001 v1.1.0 metadata governance: metadata_standards, metadata_violations, filesystem_timestamps, clock_sync_status
--
-- PostgreSQL spelling of seed 001 (see 0002's header). metadata_standards.id and
-- metadata_violations.standard_id stay varchar(36) (sql/README.md): the standards use readable ids
-- such as 'ts-001-zulu'. metadata_violations' seed indexes use seed 000's names (idx_violations_*).
-- Soft references (seed 001 "Foreign Key Strategy"): filesystem_timestamps.project_id (high-volume
-- capture, no FOREIGN KEY); clock_sync_status has none.

CREATE TABLE metadata_standards (
    id                 varchar(36)  NOT NULL,
    standard_name      varchar(100) NOT NULL,
    category           varchar(32)  NOT NULL,
    pattern_regex      text         NOT NULL,
    validation_message text,
    enforcement_level  varchar(32)  NOT NULL DEFAULT 'error',
    is_active          boolean      NOT NULL DEFAULT TRUE,
    created_at         timestamptz  NOT NULL DEFAULT now(),
    updated_at         timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT metadata_standards_pkey PRIMARY KEY (id),
    CONSTRAINT uq_metadata_standards_standard_name UNIQUE (standard_name),
    CONSTRAINT ck_metadata_standards_category CHECK (category IN ('temporal', 'nomenclature', 'versioning')),
    CONSTRAINT ck_metadata_standards_enforcement_level CHECK (enforcement_level IN ('error', 'warning', 'info'))
);

CREATE INDEX idx_metadata_standards_category ON metadata_standards (category);
CREATE INDEX idx_metadata_standards_active ON metadata_standards (is_active);

CREATE TRIGGER update_metadata_standards_updated_at
    BEFORE UPDATE ON metadata_standards
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE metadata_standards IS 'Registry of metadata validation standards (temporal, nomenclature, versioning) (seed 001)';

CREATE TABLE metadata_violations (
    id              uuid         NOT NULL,
    standard_id     varchar(36)  NOT NULL,
    resource_type   varchar(50)  NOT NULL,
    resource_id     varchar(255) NOT NULL,
    violation_value text,
    suggested_fix   text,
    status          varchar(32)  NOT NULL DEFAULT 'open',
    detected_at     timestamptz  NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    resolved_by     uuid,
    CONSTRAINT metadata_violations_pkey PRIMARY KEY (id),
    CONSTRAINT ck_metadata_violations_status CHECK (status IN ('open', 'resolved', 'suppressed')),
    -- RESTRICT: a standard with recorded violations cannot be deleted (audit trail, seed 000 §3.1)
    CONSTRAINT fk_metadata_violations_standard_id
        FOREIGN KEY (standard_id) REFERENCES metadata_standards (id) ON DELETE RESTRICT
);

CREATE INDEX idx_violations_resource ON metadata_violations (resource_type, resource_id);
CREATE INDEX idx_violations_status ON metadata_violations (status);
CREATE INDEX idx_violations_standard ON metadata_violations (standard_id);
CREATE INDEX idx_violations_detected ON metadata_violations (detected_at DESC);

COMMENT ON TABLE metadata_violations IS 'Detected violations of metadata standards, for compliance monitoring and resolution (seed 001)';

CREATE TABLE filesystem_timestamps (
    id             uuid        NOT NULL,
    file_path      text        NOT NULL,
    atime          timestamptz NOT NULL,                -- Access time (last read)
    mtime          timestamptz NOT NULL,                -- Modification time (content changed)
    ctime          timestamptz NOT NULL,                -- Change time (metadata changed)
    captured_at    timestamptz NOT NULL DEFAULT now(),
    git_commit_sha varchar(40),                         -- Associated git commit (if applicable)
    project_id     uuid,                                -- soft -> projects.id
    CONSTRAINT filesystem_timestamps_pkey PRIMARY KEY (id)
);

-- The seed's idx_file_path is a 255-character prefix B-tree (MySQL). PostgreSQL has no prefix
-- indexes and a B-tree entry is limited to ~2.7 kB, below PATH_MAX (4096): a hash index serves the
-- equality lookups by path with no size limit.
CREATE INDEX idx_filesystem_timestamps_file_path ON filesystem_timestamps USING hash (file_path);
CREATE INDEX idx_filesystem_timestamps_mtime ON filesystem_timestamps (mtime);
CREATE INDEX idx_filesystem_timestamps_project ON filesystem_timestamps (project_id);
CREATE INDEX idx_filesystem_timestamps_captured ON filesystem_timestamps (captured_at DESC);

COMMENT ON TABLE filesystem_timestamps IS 'Filesystem MAC times captured for correlation with git and database timestamps (seed 001)';

CREATE TABLE clock_sync_status (
    id                  uuid         NOT NULL,
    component_name      varchar(100) NOT NULL,
    protocol            varchar(32)  NOT NULL,
    stratum             integer,                        -- NTP stratum level (0=reference, 1=primary, etc.)
    offset_microseconds bigint       NOT NULL,          -- Current offset from reference
    last_sync_at        timestamptz  NOT NULL,
    status              varchar(32)  NOT NULL,
    error_message       text,
    CONSTRAINT clock_sync_status_pkey PRIMARY KEY (id),
    CONSTRAINT ck_clock_sync_status_protocol CHECK (protocol IN ('NTP', 'PTP', 'Browser', 'Server')),
    CONSTRAINT ck_clock_sync_status_status CHECK (status IN ('synchronized', 'drifting', 'error'))
);

CREATE INDEX idx_clock_sync_status_component ON clock_sync_status (component_name);
CREATE INDEX idx_clock_sync_status_status ON clock_sync_status (status);
CREATE INDEX idx_clock_sync_status_last_sync ON clock_sync_status (last_sync_at DESC);

COMMENT ON TABLE clock_sync_status IS 'Clock synchronization of system components against the <10 ms drift target (seed 001)';
