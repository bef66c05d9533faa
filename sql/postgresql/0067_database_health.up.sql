-- domain: operations
-- seed: platform
-- description: Database health snapshots (seed 002 monitoring, seed 000 post-deployment checklist): one summary per day, each table's size, dead tuples and vacuums, each index's size and scans

-- db_health_snapshots: one row per daily snapshot ------------------------------------------------
-- The counters of pg_stat_* and performance_schema are cumulative since stats_reset; taken_at is when
-- the snapshot was read (the comparisons across days use it, not snapshot_date).
CREATE TABLE db_health_snapshots (
    snapshot_date          date             NOT NULL,
    taken_at               timestamptz      NOT NULL,
    engine                 varchar(32)      NOT NULL,
    engine_version         varchar(255)     NOT NULL,
    stats_reset            timestamptz,
    table_count            integer          NOT NULL,
    index_count            integer          NOT NULL,
    total_bytes            bigint,
    live_tuples            bigint,
    dead_tuples            bigint,
    index_hit_ratio        double precision,
    table_hit_ratio        double precision,
    buffer_hit_ratio       double precision,
    zero_scan_indexes      integer,
    statements_available   boolean          NOT NULL,
    top_statements         jsonb,
    not_measured           jsonb,
    run_id                 varchar(64),
    CONSTRAINT db_health_snapshots_pkey PRIMARY KEY (snapshot_date),
    CONSTRAINT ck_db_health_snapshots_table_count CHECK (table_count >= 0),
    CONSTRAINT ck_db_health_snapshots_index_count CHECK (index_count >= 0)
);

COMMENT ON TABLE db_health_snapshots IS 'Daily database health snapshot: hit ratios, sizes, dead tuples, top statements';

-- db_health_tables: each table (a partitioned table summed over its partitions) per snapshot --------
CREATE TABLE db_health_tables (
    snapshot_date     date         NOT NULL,
    table_name        varchar(128) NOT NULL,
    partitions        integer      NOT NULL,
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
    last_vacuum       timestamptz,
    last_autovacuum   timestamptz,
    last_analyze      timestamptz,
    last_autoanalyze  timestamptz,
    CONSTRAINT db_health_tables_pkey PRIMARY KEY (snapshot_date, table_name),
    CONSTRAINT ck_db_health_tables_partitions CHECK (partitions >= 0)
);

COMMENT ON TABLE db_health_tables IS 'Per-table size, tuples, scans, block reads and last (auto)vacuum/analyze of each health snapshot';

-- db_health_indexes: each index (a partitioned index summed over its partitions) per snapshot ------
CREATE TABLE db_health_indexes (
    snapshot_date  date         NOT NULL,
    table_name     varchar(128) NOT NULL,
    index_name     varchar(128) NOT NULL,
    index_id       bigint,
    is_unique      boolean      NOT NULL,
    is_primary     boolean      NOT NULL,
    size_bytes     bigint,
    idx_scan       bigint,
    CONSTRAINT db_health_indexes_pkey PRIMARY KEY (snapshot_date, table_name, index_name)
);

COMMENT ON TABLE db_health_indexes IS 'Per-index size and cumulative scans of each health snapshot (unused-index history)';
