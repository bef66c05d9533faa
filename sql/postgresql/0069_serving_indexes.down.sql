-- domain: derived
-- seed: CONTRACTS.md
-- description: drop the dashboard indexes of usage_hourly and token_usage_daily

DROP INDEX idx_token_usage_daily_project_date;
DROP INDEX idx_usage_hourly_org_bucket;
