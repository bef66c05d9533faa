-- domain: derived
-- seed: CONTRACTS.md
-- description: Drop the derived tables

DROP TABLE compliance_scores;
DROP TABLE metrics_hourly;
DROP TABLE token_usage_daily;
DROP TABLE usage_monthly;
DROP TABLE usage_daily;
DROP TABLE usage_hourly;
DROP TABLE rag_metrics_history;
