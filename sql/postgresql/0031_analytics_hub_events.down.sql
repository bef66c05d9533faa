-- domain: telemetry
-- seed: 004
-- description: Drop the analytics hub tables (with all their partitions)

DROP TRIGGER update_asset_metadata_updated_at ON asset_metadata;
DROP TABLE asset_metadata;
DROP TABLE correlations;
DROP TABLE metrics;
DROP TABLE events;
