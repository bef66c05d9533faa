-- domain: telemetry
-- seed: 004
-- description: The warehouse database's planner costs a random page read as storage held in memory or on SSD does (random_page_cost 1.1)

-- With PostgreSQL's default (4, a spinning disk's), the planner read an asset's recent events (seed 004,
-- pattern 1) through idx_events_timestamp, every event of the 24 hours in heap order filtered on
-- asset_id, rather than through idx_events_asset_time, which reads only the asset's rows: about 300
-- against 190 pages a query at scale 1. The setting applies to every new session on the database.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
END
$$;
