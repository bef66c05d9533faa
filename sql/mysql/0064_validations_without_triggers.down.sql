-- domain: operations
-- seed: platform
-- description: restore the change log table_changes

CREATE TABLE table_changes (
    relid      bigint       NOT NULL,
    xact       bigint       NOT NULL,
    changed_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (relid, xact)
);
