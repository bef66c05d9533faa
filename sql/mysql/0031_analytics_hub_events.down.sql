-- domain: telemetry
-- seed: 004
-- description: Drop the analytics hub tables

DROP TABLE asset_metadata;
DROP TABLE correlations;
DROP TABLE metrics;
DROP TABLE events;
