-- domain: operations
-- seed: platform
-- description: Remove the archive batch columns (fails while a range has more than one generation)

ALTER TABLE provenance_expiry_notifications DROP COLUMN manifest_id;

ALTER TABLE archive_manifest DROP CONSTRAINT ck_archive_manifest_generation;
ALTER TABLE archive_manifest DROP CONSTRAINT uq_archive_manifest_table_name_range_generation;
ALTER TABLE archive_manifest ADD CONSTRAINT uq_archive_manifest_table_name_range UNIQUE (table_name, range_start, range_end);
ALTER TABLE archive_manifest
    DROP COLUMN run_id,
    DROP COLUMN partition_name,
    DROP COLUMN file_bytes,
    DROP COLUMN source_digest,
    DROP COLUMN key_digest,
    DROP COLUMN generation;
