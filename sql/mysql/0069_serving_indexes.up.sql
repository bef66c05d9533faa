-- domain: derived
-- seed: CONTRACTS.md
-- description: Indexes of the dashboard queries over the derived tables: an organization's hours (usage_hourly) and a project's days (token_usage_daily)

-- The primary keys lead with the time column, so a dashboard of one organization or one project read
-- every organization's or project's rows of its days (`cockpit bench --serving` plans).
CREATE INDEX idx_usage_hourly_org_bucket ON usage_hourly (org_id, bucket);
CREATE INDEX idx_token_usage_daily_project_date ON token_usage_daily (project_id, usage_date);
