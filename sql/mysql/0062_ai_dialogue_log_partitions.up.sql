-- domain: rag_provenance
-- seed: 002
-- description: ai_dialogue_log primary key (id, created_at), as on PostgreSQL where the table is range-partitioned by month

-- Seed 002's phase-3 partitioning (see the PostgreSQL migration) needs the partition column in the
-- primary key; the key is the same on every engine. The table stays unpartitioned on the MySQL family:
-- partitioned InnoDB tables cannot have foreign keys (fk_ai_dialogue_user), and neither can TiDB's.
ALTER TABLE ai_dialogue_log DROP PRIMARY KEY, ADD PRIMARY KEY (id, created_at);
