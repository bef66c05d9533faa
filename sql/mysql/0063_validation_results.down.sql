-- domain: operations
-- seed: platform
-- description: drop the kept validations and the change log

DROP TABLE table_changes;
DROP TABLE validation_results;
