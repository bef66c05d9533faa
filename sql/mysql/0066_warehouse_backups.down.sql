-- domain: operations
-- seed: platform
-- description: Reverts 0066 (the backup files stay where they are)

DROP TABLE warehouse_backups;
