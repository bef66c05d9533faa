-- domain: governance
-- seed: 001
-- description: Reverts 0011 (fails, by the RESTRICT foreign key, while violations of these standards exist)

DELETE FROM metadata_standards WHERE id IN ('ts-001-zulu', 'ts-002-iso-date', 'nm-001-snake-case', 'vr-001-semver');
