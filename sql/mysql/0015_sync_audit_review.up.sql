-- domain: sync_audit
-- seed: 000
-- description: Seed-000 review for audit_logs: TiDB monthly partitions and TiFlash replica
--
-- Seed 000 §4.3 (partition audit_logs by month, like token_usage) and §6.2 (TiFlash replica); §6.1's
-- AUTO_RANDOM key is in place since 0003. TiDB only (-- @tidb): partitioned InnoDB tables cannot have
-- foreign keys on MariaDB/MySQL, so audit_logs stays unpartitioned there and this version runs no
-- statement on them.
-- Seed 001's PARTITION BY RANGE (TO_DAYS(timestamp)) is rejected for a TIMESTAMP column;
-- RANGE (UNIX_TIMESTAMP(`timestamp`)) is the accepted form. Bounds are UTC epoch seconds. The seed's
-- partitions: p202601 (everything before February 2026), p202602, and the catch-all p_future, which the
-- engine adapter splits (REORGANIZE PARTITION) as months arrive. The primary key (id, `timestamp`)
-- contains the partitioning column, as TiDB requires.

-- @tidb
ALTER TABLE audit_logs PARTITION BY RANGE (UNIX_TIMESTAMP(`timestamp`)) (
    PARTITION p202601 VALUES LESS THAN (1769904000),    -- 2026-02-01 00:00:00 UTC
    PARTITION p202602 VALUES LESS THAN (1772323200),    -- 2026-03-01 00:00:00 UTC
    PARTITION p_future VALUES LESS THAN (MAXVALUE)
);

-- Columnar replica for compliance queries over the audit trail.
-- @tidb
ALTER TABLE audit_logs SET TIFLASH REPLICA 1;
