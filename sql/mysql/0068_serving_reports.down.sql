-- domain: derived
-- seed: CONTRACTS.md
-- description: drop high_impact_changes and clock_drift_daily

DROP TABLE clock_drift_daily;
DROP TABLE high_impact_changes;
