-- domain: operations
-- seed: platform
-- description: drop the database health snapshots

DROP TABLE db_health_indexes;
DROP TABLE db_health_tables;
DROP TABLE db_health_snapshots;
