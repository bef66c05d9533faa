-- domain: tenancy
-- seed: 000
-- description: Reverts 0014

DROP INDEX idx_projects_deleted_at ON projects;
ALTER TABLE projects DROP COLUMN total_cost_cached;
