-- domain: tenancy
-- seed: 000
-- description: Seed-000 review for projects: total_cost_cached, and an index for soft-deleted lookups
--
-- Seed 000 §7.1: total_cost_cached DECIMAL on projects, for dashboard display (a cache refreshed from
-- token_usage by the pipelines; NULL until first computed). Seed 000 §3.2/§7.2's soft-delete support is
-- seed 003's deleted_at (0001). Soft-deleted projects by deletion time, for purge and archival jobs:

ALTER TABLE projects ADD COLUMN total_cost_cached DECIMAL(14,4) NULL
    COMMENT 'Cached total AI cost of the project (sum of token_usage.total_cost), for dashboards';

-- partial index on PostgreSQL: WHERE deleted_at IS NOT NULL; nearest composite here because the MySQL family has no partial indexes (live rows, deleted_at NULL, are in it too)
CREATE INDEX idx_projects_deleted_at ON projects (deleted_at);
