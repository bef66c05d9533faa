-- domain: tenancy
-- seed: 003
-- description: Reverts 0001 (tables in reverse foreign-key order)

DROP TABLE policies;
DROP TABLE mcp_tools;
DROP TABLE mcp_servers;
DROP TABLE api_keys;
DROP TABLE projects;
DROP TABLE subscriptions;
DROP TABLE org_members;
DROP TABLE organizations;
DROP TABLE users;
