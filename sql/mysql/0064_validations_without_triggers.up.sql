-- domain: operations
-- seed: platform
-- description: Kept validations without triggers: drop the change log table_changes (and a trigger cockpit_track_changes, which no migration created here); forget the validations kept before

-- 0063 created table_changes only: the MySQL family kept no validation and created no trigger. The
-- drops are idempotent. TiDB has no triggers.
-- @not-tidb
DROP TRIGGER IF EXISTS cockpit_track_changes;
DROP TABLE IF EXISTS table_changes;
DELETE FROM validation_results;
