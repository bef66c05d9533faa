-- domain: operations
-- seed: platform
-- description: restore the change log table_changes and its trigger function cockpit_note_change (the triggers were created at run time, not by a migration)

COMMENT ON TABLE validation_results IS 'Last passing suite validation per table and window, with the fingerprint of the rows it read';

CREATE TABLE table_changes (
    relid      bigint      NOT NULL,
    xact       bigint      NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT table_changes_pkey PRIMARY KEY (relid, xact)
);

COMMENT ON TABLE table_changes IS 'Transactions that wrote each relation read by a suite (statement triggers), for validation_results';

CREATE FUNCTION cockpit_note_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('INSERT INTO %I.table_changes (relid, xact) VALUES ($1, $2) ON CONFLICT DO NOTHING',
                   TG_ARGV[0])
        USING TG_RELID::bigint, pg_current_xact_id()::text::bigint;
    RETURN NULL;
END
$$;
