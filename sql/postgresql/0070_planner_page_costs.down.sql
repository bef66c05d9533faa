-- domain: telemetry
-- seed: 004
-- description: The warehouse database's random_page_cost back to the server's

DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET random_page_cost', current_database());
END
$$;
