-- domain: telemetry
-- seed: 004
-- description: The warehouse database's random_page_cost back to the server's

DO $$
DECLARE
    db text := current_database();
BEGIN
    IF EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
               WHERE d.datname = db AND s.setrole = 0 AND 'random_page_cost=1.1' = ANY (s.setconfig))
       AND (pg_has_role(current_user, (SELECT datdba FROM pg_database WHERE datname = db), 'MEMBER')
            OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)) THEN
        EXECUTE format('ALTER DATABASE %I RESET random_page_cost', db);
    END IF;
END
$$;
