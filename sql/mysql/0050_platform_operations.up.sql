-- domain: operations
-- seed: platform
-- description: Platform bookkeeping: ingest ledger and quarantine, partition builds, archive manifest, alerts, provenance expiry notifications

-- Low-volume bookkeeping tables: AUTO_INCREMENT ids (no AUTO_RANDOM needed on TiDB).

-- ingest_ledger: one row per landing-zone file; the checksum makes a re-delivered file a no-op -----
CREATE TABLE ingest_ledger (
    id                bigint       NOT NULL AUTO_INCREMENT,
    table_name        varchar(64)  NOT NULL,
    file_path         text         NOT NULL,
    file_checksum     char(64)     NOT NULL,
    file_format       varchar(16)  NOT NULL,
    status            varchar(16)  NOT NULL,
    rows_total        bigint,
    rows_loaded       bigint,
    rows_quarantined  bigint,
    started_at        timestamp(6) NOT NULL,
    finished_at       timestamp(6) NULL,
    error             text,
    PRIMARY KEY (id),
    UNIQUE KEY uq_ingest_ledger_file_checksum (file_checksum),
    CONSTRAINT ck_ingest_ledger_status CHECK (status IN ('in_progress', 'loaded', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Landing-zone files loaded into raw tables, one row per file (SHA-256 of the file bytes)';

-- ingest_quarantine: rows of landing-zone files that broke a contract rule ------------------------
CREATE TABLE ingest_quarantine (
    id              bigint       NOT NULL AUTO_INCREMENT,
    table_name      varchar(64)  NOT NULL,
    file_path       text         NOT NULL,
    file_checksum   char(64)     NOT NULL,
    line_number     bigint       NOT NULL,
    column_name     varchar(64),
    rule            varchar(64)  NOT NULL,
    raw_value       text,
    raw_row         json,
    reason          text         NOT NULL,
    quarantined_at  timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_ingest_quarantine_table_name_quarantined_at (table_name, quarantined_at),
    KEY idx_ingest_quarantine_file_checksum (file_checksum)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Landing-zone rows rejected by a contract rule, with the raw row and the reason';

-- partition_builds: what each derived partition was last built from --------------------------------
CREATE TABLE partition_builds (
    asset_key           varchar(128) NOT NULL,
    partition_date      date         NOT NULL,
    source_rows         bigint       NOT NULL,
    source_fingerprint  varchar(64)  NOT NULL,
    built_at            timestamp(6) NOT NULL,
    run_id              varchar(64),
    PRIMARY KEY (asset_key, partition_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Last build of each daily partition of a derived asset and the fingerprint of its source rows';

-- archive_manifest: Parquet files written by the retention job -----------------------------------
CREATE TABLE archive_manifest (
    id           bigint       NOT NULL AUTO_INCREMENT,
    policy       varchar(64)  NOT NULL,
    table_name   varchar(64)  NOT NULL,
    range_start  timestamp(6) NOT NULL,
    range_end    timestamp(6) NOT NULL,
    cutoff       timestamp(6) NOT NULL,
    file_uri     text         NOT NULL,
    row_count    bigint       NOT NULL,
    checksum     char(64)     NOT NULL,
    status       varchar(16)  NOT NULL,
    created_at   timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    verified_at  timestamp(6) NULL,
    deleted_at   timestamp(6) NULL,
    restored_at  timestamp(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_archive_manifest_table_name_range (table_name, range_start, range_end),
    KEY idx_archive_manifest_table_name_status (table_name, status),
    CONSTRAINT ck_archive_manifest_status CHECK (status IN ('written', 'verified', 'deleted', 'restored'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Archived row ranges: written, verified before deletion, restorable';

-- pipeline_alerts: alerts raised by runs and checks -----------------------------------------------
CREATE TABLE pipeline_alerts (
    id              bigint        NOT NULL AUTO_INCREMENT,
    run_id          varchar(64),
    job_name        varchar(255),
    kind            varchar(32)   NOT NULL,
    message         text          NOT NULL,
    details         json,
    created_at      timestamp(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    webhook_status  varchar(32),
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Alerts raised by pipeline runs and checks, and the outcome of their webhook';

-- provenance_expiry_notifications: one notification per expired provenance row (seed 002 job) -----
-- provenance_id, content_id and owner_user_id are soft references: a notification outlives the
-- provenance row it reports on.
CREATE TABLE provenance_expiry_notifications (
    id             bigint       NOT NULL AUTO_INCREMENT,
    provenance_id  char(36)     NOT NULL,
    content_id     char(36)     NOT NULL,
    owner_user_id  char(36),
    expired_at     timestamp(6) NOT NULL COMMENT 'acquired_at + retention_years (UTC)',
    message        text         NOT NULL,
    created_at     timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_provenance_expiry_notifications_provenance_id (provenance_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Notifications to content owners about expired provenance (acquired_at + retention_years), one per provenance row';
