-- domain: extensions
-- seed: 001
-- description: Seed 001 v1.1.0 performance index for enabled project extensions
--
-- The seed's other "Performance Indexes (NEW)" entry for this domain,
-- idx_dashboard_versions_dashboard_created ON dashboard_versions (dashboard_id, created_at DESC), has the
-- same key as the table's own idx_dashboard_created (0007); a second identical index would only cost
-- writes, so it is not created.

-- Fast lookup of a project's enabled extensions.
-- partial index on PostgreSQL: WHERE enabled = TRUE; nearest composite here because the MySQL family has no partial indexes
CREATE INDEX idx_project_extensions_enabled ON project_extension_mappings (project_id, enabled);
