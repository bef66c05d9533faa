-- domain: telemetry
-- seed: 004
-- description: Nothing on the MySQL family: PostgreSQL's planner page costs have no counterpart here

-- MariaDB reads an asset's recent events (seed 004, pattern 1) through idx_events_asset_time already.
