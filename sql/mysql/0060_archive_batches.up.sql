-- domain: operations
-- seed: platform
-- description: Archive manifest batches for the retention job: generation, delete-guard digests, file size, dropped partition, run; the batch of each provenance expiry notification

-- archive_manifest -------------------------------------------------------------------------------
-- * generation: 0 for the first batch of a range, then 1, 2 … when rows of an already archived range
--   are archived again (late rows, or rows restored and expired again). The range key becomes
--   (table_name, range_start, range_end, generation).
-- * key_digest: the sum of the batch key (the policy's time column or expiry) in epoch microseconds
--   over the archived rows. With row_count it guards the delete: the rows removed must give the same
--   count and sum, or the delete rolls back.
-- * source_digest: the sum of the fingerprint column of the rollups built from the table
--   (RawSource.digest_column, e.g. usage_events.cost_cents), so that a partly archived day can still
--   be checked against partition_builds.
-- * partition_name stays NULL here: MariaDB/MySQL tables are not partitioned (TiDB's are, but the
--   retention job deletes rows on every MySQL-family engine).
ALTER TABLE archive_manifest
    ADD COLUMN generation     int            NOT NULL DEFAULT 0
        COMMENT '0 for the first batch of a range; +1 each time rows of that range are archived again',
    ADD COLUMN key_digest     decimal(38,0)  NULL
        COMMENT 'Sum of the batch key in epoch microseconds over the archived rows (delete guard, with row_count)',
    ADD COLUMN source_digest  decimal(38,6)  NULL
        COMMENT 'Sum of the rollups'' fingerprint column over the archived rows (partition_builds check)',
    ADD COLUMN file_bytes     bigint         NULL,
    ADD COLUMN partition_name varchar(128)   NULL,
    ADD COLUMN run_id         varchar(64)    NULL,
    DROP INDEX uq_archive_manifest_table_name_range,
    ADD UNIQUE KEY uq_archive_manifest_table_name_range_generation (table_name, range_start, range_end, generation),
    ADD CONSTRAINT ck_archive_manifest_generation CHECK (generation >= 0);

-- provenance_expiry_notifications ------------------------------------------------------------------
ALTER TABLE provenance_expiry_notifications
    ADD COLUMN manifest_id bigint NULL COMMENT 'archive_manifest.id of the batch holding the archived provenance row';
