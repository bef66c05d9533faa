-- domain: tenancy
-- seed: 000
-- description: Seed-000 review for projects: total_cost_cached, and an index for soft-deleted lookups
--
-- Seed 000 §7.1: total_cost_cached DECIMAL on projects, for dashboard display (a cache refreshed from
-- token_usage by the pipelines; NULL until first computed; not audited, see audit_trigger_func in 0003).
-- Seed 000 §3.2/§7.2's soft-delete support is seed 003's deleted_at (0001), whose live-row lookups are
-- served by the partial indexes idx_projects_org / idx_projects_status. The opposite lookup - soft-deleted
-- projects by deletion time, for purge and archival jobs - gets a small partial index here.

ALTER TABLE projects ADD COLUMN total_cost_cached numeric(14,4);
COMMENT ON COLUMN projects.total_cost_cached IS 'Cached total AI cost of the project (sum of token_usage.total_cost), for dashboards';

CREATE INDEX idx_projects_deleted_at ON projects (deleted_at) WHERE deleted_at IS NOT NULL;
