-- domain: rag_provenance
-- seed: 002
-- description: Reverts 0065: drops the policies, disables row-level security and revokes cockpit_app's grants (the role stays: other databases of the server may use it)

DROP POLICY provenance_read_policy ON provenance;
DROP POLICY ai_dialogue_user_isolation ON ai_dialogue_log;
ALTER TABLE provenance DISABLE ROW LEVEL SECURITY;
ALTER TABLE ai_dialogue_log DISABLE ROW LEVEL SECURITY;

REVOKE SELECT ON ai_dialogue_log, materials, provenance, plugin_registry FROM cockpit_app;

DO $$
BEGIN
    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM cockpit_app', current_schema());
END
$$;
