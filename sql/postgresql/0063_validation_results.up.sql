-- domain: operations
-- seed: platform
-- description: Suite validations kept across runs: passing outcomes by table, window and the state of the rows read; a change log of the tables they read, written by statement triggers

-- validation_results ------------------------------------------------------------------------------
-- One row per (table_name, window_key): the last passing validation of the table's suite over the
-- window. A check takes it instead of validating again when the suite digest and the fingerprint of
-- every relation the suite reads (cockpit_pipelines/validation_ledger.py) are still the same.
CREATE TABLE validation_results (
    table_name     varchar(64)  NOT NULL,
    window_key     varchar(64)  NOT NULL,
    suite_digest   char(64)     NOT NULL,
    fingerprint    char(64)     NOT NULL,
    rows_validated bigint       NOT NULL,
    expectations   integer      NOT NULL,
    validated_at   timestamptz  NOT NULL,
    CONSTRAINT validation_results_pkey PRIMARY KEY (table_name, window_key),
    CONSTRAINT ck_validation_results_rows_validated CHECK (rows_validated >= 0),
    CONSTRAINT ck_validation_results_expectations CHECK (expectations >= 0)
);

COMMENT ON TABLE validation_results IS 'Last passing suite validation per table and window, with the fingerprint of the rows it read';

-- table_changes -------------------------------------------------------------------------------------
-- A row per transaction that wrote a tracked relation (INSERT, UPDATE, DELETE, COPY, TRUNCATE),
-- written by the statement trigger cockpit_track_changes, which the ledger creates (ENABLE ALWAYS)
-- on each relation a suite reads when it first keeps a validation: partitions, their parents and the
-- tables its SQL rules join. A committed write adds a row; the fingerprint counts them.
CREATE TABLE table_changes (
    relid      bigint      NOT NULL,
    xact       bigint      NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT table_changes_pkey PRIMARY KEY (relid, xact)
);

COMMENT ON TABLE table_changes IS 'Transactions that wrote each relation read by a suite (statement triggers), for validation_results';

-- SECURITY DEFINER: a role that may write a raw table need not be allowed to write the log.
CREATE FUNCTION cockpit_note_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('INSERT INTO %I.table_changes (relid, xact) VALUES ($1, $2) ON CONFLICT DO NOTHING',
                   TG_ARGV[0])
        USING TG_RELID::bigint, pg_current_xact_id()::text::bigint;
    RETURN NULL;
END
$$;
