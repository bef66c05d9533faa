-- domain: operations
-- seed: platform
-- description: drop the kept validations, the change log and its trigger function (with the triggers on it)

DROP FUNCTION cockpit_note_change() CASCADE;
DROP TABLE table_changes;
DROP TABLE validation_results;
