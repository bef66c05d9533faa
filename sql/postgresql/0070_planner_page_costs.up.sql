-- domain: telemetry
-- seed: 004
-- description: The warehouse database's planner costs a random page read as storage held in memory or on SSD does (random_page_cost 1.1)

-- With PostgreSQL's default (4, a spinning disk's), the planner read an asset's recent events (seed 004,
-- pattern 1) through idx_events_timestamp, every event of the 24 hours in heap order filtered on
-- asset_id, rather than through idx_events_asset_time, which reads only the asset's rows: about 300
-- against 190 pages a query at scale 1. The setting applies to every new session on the database. A value
-- the database already sets is left alone, and a role that does not own the database gets a warning naming
-- the statement for its owner, not a failed migration.
DO $$
DECLARE
    db text := current_database();
BEGIN
    IF EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
               WHERE d.datname = db AND s.setrole = 0
                 AND EXISTS (SELECT 1 FROM unnest(s.setconfig) AS c WHERE c LIKE 'random_page_cost=%')) THEN
        RAISE NOTICE 'database % already sets random_page_cost: left as it is', db;
    ELSIF pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = db), 'MEMBER')
          OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', db);
    ELSE
        RAISE WARNING 'random_page_cost not set: % does not own database %; its owner can run ALTER DATABASE % SET random_page_cost = 1.1',
            current_user, db, db;
    END IF;
END
$$;
