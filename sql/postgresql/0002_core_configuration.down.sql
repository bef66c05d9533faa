-- domain: core_configuration
-- seed: 001
-- description: Reverts 0002 (tables in reverse foreign-key order)

DROP TABLE capabilities;
DROP TABLE guardrails;
DROP TABLE templates;
DROP TABLE modules;
DROP TABLE dashboards;
DROP TABLE profiles;
