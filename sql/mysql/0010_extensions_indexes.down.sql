-- domain: extensions
-- seed: 001
-- description: Reverts 0010

DROP INDEX idx_project_extensions_enabled ON project_extension_mappings;
