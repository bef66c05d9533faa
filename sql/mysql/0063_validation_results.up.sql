-- domain: operations
-- seed: platform
-- description: Suite validations kept across runs (kept on PostgreSQL only: the MySQL family has no statement triggers to log changes; the tables stay empty)

CREATE TABLE validation_results (
    table_name     varchar(64)  NOT NULL,
    window_key     varchar(64)  NOT NULL,
    suite_digest   char(64)     NOT NULL,
    fingerprint    char(64)     NOT NULL,
    rows_validated bigint       NOT NULL,
    expectations   integer      NOT NULL,
    validated_at   timestamp(6) NOT NULL,
    PRIMARY KEY (table_name, window_key),
    CONSTRAINT ck_validation_results_rows_validated CHECK (rows_validated >= 0),
    CONSTRAINT ck_validation_results_expectations CHECK (expectations >= 0)
);

CREATE TABLE table_changes (
    relid      bigint       NOT NULL,
    xact       bigint       NOT NULL,
    changed_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (relid, xact)
);
