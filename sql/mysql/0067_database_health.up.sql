-- domain: operations
-- seed: platform
-- description: Database health snapshots (seed 002 monitoring, seed 000 post-deployment checklist): one summary per day, each table's size and statistics, each index's size and reads (performance_schema where it is on)

CREATE TABLE db_health_snapshots (
    snapshot_date          date          NOT NULL,
    taken_at               timestamp(6)  NOT NULL,
    engine                 varchar(32)   NOT NULL,
    engine_version         varchar(255)  NOT NULL,
    stats_reset            timestamp(6)  NULL,
    table_count            int           NOT NULL,
    index_count            int           NOT NULL,
    total_bytes            bigint,
    live_tuples            bigint,
    dead_tuples            bigint,
    index_hit_ratio        double,
    table_hit_ratio        double,
    buffer_hit_ratio       double,
    zero_scan_indexes      int,
    statements_available   tinyint(1)    NOT NULL,
    top_statements         json,
    not_measured           json,
    run_id                 varchar(64),
    PRIMARY KEY (snapshot_date),
    CONSTRAINT ck_db_health_snapshots_table_count CHECK (table_count >= 0),
    CONSTRAINT ck_db_health_snapshots_index_count CHECK (index_count >= 0)
);

CREATE TABLE db_health_tables (
    snapshot_date     date          NOT NULL,
    table_name        varchar(128)  NOT NULL,
    partitions        int           NOT NULL,
    total_bytes       bigint,
    table_bytes       bigint,
    index_bytes       bigint,
    free_bytes        bigint,
    live_tuples       bigint,
    dead_tuples       bigint,
    seq_scan          bigint,
    idx_scan          bigint,
    heap_blks_read    bigint,
    heap_blks_hit     bigint,
    idx_blks_read     bigint,
    idx_blks_hit      bigint,
    last_vacuum       timestamp(6)  NULL,
    last_autovacuum   timestamp(6)  NULL,
    last_analyze      timestamp(6)  NULL,
    last_autoanalyze  timestamp(6)  NULL,
    PRIMARY KEY (snapshot_date, table_name),
    CONSTRAINT ck_db_health_tables_partitions CHECK (partitions >= 0)
);

CREATE TABLE db_health_indexes (
    snapshot_date  date          NOT NULL,
    table_name     varchar(128)  NOT NULL,
    index_name     varchar(128)  NOT NULL,
    index_id       bigint,
    is_unique      tinyint(1)    NOT NULL,
    is_primary     tinyint(1)    NOT NULL,
    size_bytes     bigint,
    idx_scan       bigint,
    PRIMARY KEY (snapshot_date, table_name, index_name)
);
