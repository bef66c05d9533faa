-- domain: operations
-- seed: platform
-- description: Warehouse backups (seed 003 §8.1: a full backup daily, kept 30 days): one row per archive, with its size, SHA-256 and the row count and content digest of every table at the dump's snapshot

-- See the PostgreSQL migration. The archive is mariadb-dump SQL (--single-transaction).
CREATE TABLE warehouse_backups (
    id          bigint        NOT NULL AUTO_INCREMENT,
    backup_date date          NOT NULL,
    engine      varchar(32)   NOT NULL,
    tool        varchar(128)  NOT NULL,
    file_uri    text          NOT NULL,
    size_bytes  bigint        NOT NULL,
    sha256      char(64)      NOT NULL,
    tables      json          NOT NULL,
    snapshot    varchar(128),
    started_at  timestamp(6)  NOT NULL,
    finished_at timestamp(6)  NOT NULL,
    pruned_at   timestamp(6)  NULL,
    run_id      varchar(64),
    PRIMARY KEY (id),
    KEY idx_warehouse_backups_date (backup_date),
    CONSTRAINT ck_warehouse_backups_size_bytes CHECK (size_bytes >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Full backups of the warehouse: archive file, size, SHA-256 and per-table row counts and digests at the dump''s snapshot';
