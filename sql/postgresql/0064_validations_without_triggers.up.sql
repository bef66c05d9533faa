-- domain: operations
-- seed: platform
-- description: Kept validations without triggers: drop every change-log trigger (cockpit_track_changes), its function cockpit_note_change and table_changes; forget the validations kept under change-log fingerprints

-- A kept validation is now compared on the row count and content digest of what it read
-- (cockpit_pipelines/kept_validations.py): nothing is installed on the tables a suite reads. The
-- triggers were created at run time on the relations the suites read (partitions, their parents, the
-- tables SQL rules join), each calling this schema's cockpit_note_change: every trigger on that
-- function is dropped, wherever it is; a warehouse that never kept a validation has none.
DO $$
DECLARE
    found record;
BEGIN
    FOR found IN
        SELECT t.tgname, t.tgrelid::regclass AS relation
        FROM pg_trigger t
        WHERE t.tgfoid = to_regprocedure('cockpit_note_change()') AND t.tgparentid = 0
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', found.tgname, found.relation);
    END LOOP;
END
$$;

DROP FUNCTION IF EXISTS cockpit_note_change();
DROP TABLE IF EXISTS table_changes;

-- Their fingerprints digest the change log: none would match a content fingerprint.
DELETE FROM validation_results;

COMMENT ON TABLE validation_results IS 'Last passing suite validation per table and window, with the fingerprint (row count and content digest) of the rows it read';
