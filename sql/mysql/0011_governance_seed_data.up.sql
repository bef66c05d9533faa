-- domain: governance
-- seed: 001
-- description: Seed data for metadata_standards: seed 001's ts-001-zulu and a small set of temporal, nomenclature and versioning standards
--
-- ts-001-zulu is seed 001's example standard, verbatim. The others encode conventions this platform
-- already follows:
--   ts-002-iso-date    ISO 8601 calendar dates, YYYY-MM-DD
--   nm-001-snake-case  snake_case table and column names
--   vr-001-semver      Semantic Versioning 2.0.0 strings (the semver.org pattern), e.g. dashboard_versions.version
-- The patterns use only syntax that PostgreSQL (~), MySQL-family REGEXP and Python re read alike.
-- MySQL-family string literals treat backslash as an escape character: every backslash of a pattern
-- is doubled here, so the stored text is exactly the pattern (seed 001's literal would have stored
-- '^d{4}-...' on TiDB).

INSERT INTO metadata_standards (id, standard_name, category, pattern_regex, validation_message, enforcement_level)
VALUES
(
    'ts-001-zulu',
    'Timestamp Zulu Format',
    'temporal',
    '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?Z$',
    'Timestamp must use ISO 8601 format with Z suffix (e.g., 2026-01-01T14:30:45.123456Z)',
    'error'
),
(
    'ts-002-iso-date',
    'ISO 8601 Calendar Date',
    'temporal',
    '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$',
    'Dates must use the ISO 8601 calendar format YYYY-MM-DD (e.g., 2026-01-01)',
    'error'
),
(
    'nm-001-snake-case',
    'Snake Case Identifiers',
    'nomenclature',
    '^[a-z][a-z0-9]*(_[a-z0-9]+)*$',
    'Table and column names must be snake_case: lowercase letters and digits in words joined by single underscores, starting with a letter (e.g., token_usage, created_at)',
    'error'
),
(
    'vr-001-semver',
    'Semantic Version',
    'versioning',
    '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$',
    'Versions must follow Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH with optional pre-release and build metadata (e.g., 1.1.0, 2.0.0-rc.1)',
    'error'
);
