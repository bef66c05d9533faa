-- domain: rag_provenance
-- seed: 002
-- description: Row-level security (seed 002): ai_dialogue_log readable by its user, provenance by who acquired it or an admin; the application role cockpit_app

-- cockpit_app: the role application logins are granted (GRANT cockpit_app TO <login>). NOLOGIN, no
-- BYPASSRLS, SELECT on the seed-002 tables. Roles belong to the server, not to a database: another
-- database of the same server may have created it already (or be creating it now), so it is created
-- only when missing, and the down migration leaves it in place.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cockpit_app') THEN
        CREATE ROLE cockpit_app NOLOGIN NOBYPASSRLS;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;  -- created concurrently by another database
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO cockpit_app', current_schema());
END
$$;

-- Through the partitioned ai_dialogue_log only: its partitions (ai_dialogue_log_default and the
-- monthly ones the engine adapter creates) get no grant, since a query on a partition is not subject
-- to the parent's policies.
GRANT SELECT ON ai_dialogue_log, materials, provenance, plugin_registry TO cockpit_app;

-- The seed's policies, with current_setting(…, true): an unset (or reset, hence empty) setting reads
-- as NULL, so a session without app.current_user_id sees no rows rather than an error.
-- ENABLE, not FORCE: the tables' owner (the role that applies the migrations and runs the pipeline)
-- is not subject to them, so rollups, checks, archival and backups read every row. The pipeline's
-- connections set row_security = off, so a pipeline connected as a role the policies would filter
-- fails with an error instead of reading a subset.
ALTER TABLE ai_dialogue_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE provenance ENABLE ROW LEVEL SECURITY;

CREATE POLICY ai_dialogue_user_isolation ON ai_dialogue_log
    FOR SELECT
    USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::uuid);

CREATE POLICY provenance_read_policy ON provenance
    FOR SELECT
    USING (
        acquired_by = NULLIF(current_setting('app.current_user_id', true), '')::uuid
        OR current_setting('app.user_role', true) = 'admin'
    );
