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
ALTER TABLE archive_manifest
    ADD COLUMN generation     integer        NOT NULL DEFAULT 0,
    ADD COLUMN key_digest     numeric(38,0),
    ADD COLUMN source_digest  numeric(38,6),
    ADD COLUMN file_bytes     bigint,
    ADD COLUMN partition_name varchar(128),
    ADD COLUMN run_id         varchar(64);

ALTER TABLE archive_manifest DROP CONSTRAINT uq_archive_manifest_table_name_range;
ALTER TABLE archive_manifest ADD CONSTRAINT uq_archive_manifest_table_name_range_generation
    UNIQUE (table_name, range_start, range_end, generation);
ALTER TABLE archive_manifest ADD CONSTRAINT ck_archive_manifest_generation CHECK (generation >= 0);

COMMENT ON COLUMN archive_manifest.generation IS '0 for the first batch of a range; +1 each time rows of that range are archived again';
COMMENT ON COLUMN archive_manifest.key_digest IS 'Sum of the batch key in epoch microseconds over the archived rows (delete guard, with row_count)';
COMMENT ON COLUMN archive_manifest.source_digest IS 'Sum of the rollups'' fingerprint column over the archived rows (partition_builds check of partly archived days)';
COMMENT ON COLUMN archive_manifest.partition_name IS 'The partition dropped whole with this batch (PostgreSQL range partitions), else NULL';

-- provenance_expiry_notifications ------------------------------------------------------------------
-- manifest_id: the archive batch that holds the expired row (a plain value, like the other ids).
ALTER TABLE provenance_expiry_notifications ADD COLUMN manifest_id bigint;

COMMENT ON COLUMN provenance_expiry_notifications.manifest_id IS 'archive_manifest.id of the batch holding the archived provenance row';
