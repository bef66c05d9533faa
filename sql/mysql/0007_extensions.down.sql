-- domain: extensions
-- seed: 001
-- description: Reverts 0007 (seed 001's v1.1.0 rollback order for these tables)

DROP TABLE dashboard_versions;
DROP TABLE project_extension_mappings;
DROP TABLE extension_dashboards;
