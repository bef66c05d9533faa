-- domain: extensions
-- seed: 001
-- description: Seed 001 v1.1.0 performance index for enabled project extensions
--
-- The seed's other "Performance Indexes (NEW)" entry for this domain,
-- idx_dashboard_versions_dashboard_created ON dashboard_versions (dashboard_id, created_at DESC), has the
-- same key as the table's own idx_dashboard_created (0007), which already carries that name here; it is
-- not created twice.

-- Fast lookup of a project's enabled extensions.
CREATE INDEX idx_project_extensions_enabled ON project_extension_mappings (project_id, enabled)
    WHERE enabled = TRUE;
