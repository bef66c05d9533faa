-- domain: derived
-- seed: CONTRACTS.md
-- description: Derived tables (CONTRACTS.md): RAG daily metrics, usage rollups, token usage trend, metrics_hourly, compliance scores

-- Every derived table is rebuilt per partition (delete the partition's rows, insert the new ones,
-- in one transaction), so its grain is a primary or unique key: a second run of the same
-- partition cannot add rows. Columns, names and precisions are those of CONTRACTS.md; computed_at
-- records when the row was built. Counts and sums are BIGINT. References to sources (org_id,
-- project_id, user_id, standard_id) are soft: derived rows never block changes to their sources.

-- rag_metrics_history: one row per UTC day of ai_dialogue_log (seed 002) -----------------------------
-- Seed 002 0003_optimize_rag_indexes: UNIQUE (DATE(date)); the column is already a date. The seed's
-- plain idx_rag_metrics_date duplicates it and is kept under its name so that the seed's index list
-- holds. idx_rag_metrics_compliance (GIN on slo_compliance) is PostgreSQL-only; nothing replaces it
-- here: the table holds one row per day and is read whole.
CREATE TABLE rag_metrics_history (
    id                      bigint        NOT NULL AUTO_INCREMENT,
    date                    date          NOT NULL,
    total_queries           bigint        NOT NULL,
    citation_rate           decimal(5,2),
    citation_count          bigint,
    avg_latency_ms          decimal(10,2),
    p50_latency_ms          decimal(10,2),
    p95_latency_ms          decimal(10,2),
    p99_latency_ms          decimal(10,2),
    unique_users            bigint        NOT NULL,
    total_tokens            bigint,
    total_cost              decimal(10,2),
    cost_per_answer         decimal(6,2),
    avg_relevance_score     decimal(3,2),
    positive_feedback_rate  decimal(5,2),
    slo_compliance          json          NOT NULL COMMENT 'Per SLO: {"target", "actual", "met"}',
    computed_at             timestamp(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY idx_rag_metrics_date_unique (date),
    KEY idx_rag_metrics_date (date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Daily aggregated RAG metrics for dashboard and SLO monitoring';

-- usage_hourly: seed 003 continuous aggregate, materialized (retention 90 days) ---------------------
CREATE TABLE usage_hourly (
    bucket                   timestamp(6) NOT NULL,
    org_id                   char(36)     NOT NULL,
    project_id               char(36)     NOT NULL,
    model                    varchar(50)  NOT NULL,
    request_count            bigint       NOT NULL,
    success_count            bigint       NOT NULL,
    error_count              bigint       NOT NULL,
    total_input_tokens       bigint       NOT NULL,
    total_output_tokens      bigint       NOT NULL,
    total_cache_read_tokens  bigint       NOT NULL,
    total_cost_cents         bigint       NOT NULL,
    avg_latency_ms           double,
    p50_latency_ms           double,
    p95_latency_ms           double,
    p99_latency_ms           double,
    unique_users             bigint       NOT NULL,
    computed_at              timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (bucket, org_id, project_id, model)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Hourly usage_events rollup by org, project and model (seed 003 usage_hourly)';

-- usage_daily: seed 003 continuous aggregate, materialized (kept forever) ---------------------------
-- The grain includes user_id, and requests without a user form their own group. PostgreSQL says so
-- with UNIQUE NULLS NOT DISTINCT; the MySQL family has no such option (NULLs never collide in a
-- unique key), so the key is on user_key, a stored generated column holding user_id or '' for none.
-- RTRIM makes the expression independent of the PAD_CHAR_TO_FULL_LENGTH sql_mode, which MariaDB
-- requires of a generated column over CHAR; it changes no uuid. No primary key: user_id is nullable.
CREATE TABLE usage_daily (
    bucket               timestamp(6) NOT NULL,
    org_id               char(36)     NOT NULL,
    project_id           char(36)     NOT NULL,
    model                varchar(50)  NOT NULL,
    user_id              char(36),
    user_key             varchar(36)  AS (COALESCE(RTRIM(user_id), '')) STORED
                                      COMMENT 'Generated: user_id, empty for requests without a user (grain key)',
    request_count        bigint       NOT NULL,
    total_input_tokens   bigint       NOT NULL,
    total_output_tokens  bigint       NOT NULL,
    total_cost_cents     bigint       NOT NULL,
    avg_latency_ms       double,
    computed_at          timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_usage_daily_grain (bucket, org_id, project_id, model, user_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Daily usage_events rollup by org, project, model and user (seed 003 usage_daily); source of usage_monthly';

-- usage_monthly: seed 003 continuous aggregate, built from usage_daily -----------------------------
CREATE TABLE usage_monthly (
    bucket               date         NOT NULL COMMENT 'First day of the month',
    org_id               char(36)     NOT NULL,
    project_id           char(36)     NOT NULL,
    model                varchar(50)  NOT NULL,
    request_count        bigint       NOT NULL,
    total_input_tokens   bigint       NOT NULL,
    total_output_tokens  bigint       NOT NULL,
    total_cost_cents     bigint       NOT NULL,
    unique_users         bigint       NOT NULL,
    active_days          bigint       NOT NULL,
    computed_at          timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (bucket, org_id, project_id, model)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Monthly usage rollup (seed 003 usage_monthly), built from usage_daily so it survives usage_events retention';

-- token_usage_daily: seed 001 30-day token usage trend, per day -----------------------------------
-- project_id keeps seed 001's VARCHAR(36), like token_usage.project_id.
CREATE TABLE token_usage_daily (
    usage_date     date          NOT NULL,
    project_id     varchar(36)   NOT NULL,
    provider       varchar(50)   NOT NULL,
    request_count  bigint        NOT NULL,
    total_input    bigint        NOT NULL,
    total_output   bigint        NOT NULL,
    daily_cost     decimal(14,4) NOT NULL,
    computed_at    timestamp(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (usage_date, project_id, provider)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Daily token_usage totals by project and provider (seed 001 30-day trend query)';

-- metrics_hourly: seed 004 continuous aggregate over the 5-minute metrics rows ---------------------
CREATE TABLE metrics_hourly (
    bucket       timestamp(6) NOT NULL,
    asset_id     varchar(100) NOT NULL,
    metric_type  varchar(100) NOT NULL,
    metric_name  varchar(100) NOT NULL,
    tenant_id    varchar(100) NOT NULL,
    count        bigint       NOT NULL,
    avg_value    double,
    min_value    double,
    max_value    double,
    p95_value    double,
    p99_value    double,
    computed_at  timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (bucket, asset_id, metric_type, metric_name, tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Hourly rollup of the 5-minute metrics rows (seed 004 metrics_hourly)';

-- compliance_scores: seed 001 compliance dashboard, one row per day and active standard ------------
-- category and enforcement_level copy metadata_standards (seed-001 ENUMs).
CREATE TABLE compliance_scores (
    score_date         date          NOT NULL,
    standard_id        varchar(36)   NOT NULL,
    category           ENUM('temporal', 'nomenclature', 'versioning') NOT NULL,
    standard_name      varchar(100)  NOT NULL,
    enforcement_level  ENUM('error', 'warning', 'info') NOT NULL,
    violation_count    bigint        NOT NULL,
    open_violations    bigint        NOT NULL COMMENT 'Violations still open at the end of score_date',
    compliance_rate    decimal(5,2)  NOT NULL,
    computed_at        timestamp(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (score_date, standard_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Daily metadata compliance score per active standard (seed 001 compliance query)';
