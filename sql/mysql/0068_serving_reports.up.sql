-- domain: derived
-- seed: CONTRACTS.md
-- description: The High-Impact Changes Report (seed 001) and the daily clock drift (seed 000/001's < 10 ms target) as derived tables

-- high_impact_changes: for day D, seed 001's report over the sync_buffer changes created in the 7 days
-- ending with D, with more than 3 dashboards affected; the top 10 by token cost. Rebuilt per day.
-- change_id keeps sync_buffer.id's VARCHAR(36); `rank` is a reserved word on MySQL 8 (quoted).
CREATE TABLE high_impact_changes (
    report_date          date          NOT NULL,
    change_id            varchar(36)   NOT NULL,
    change_type          varchar(100)  NOT NULL,
    affected_dashboards  bigint        NOT NULL,
    total_token_cost     bigint,
    avg_duration_ms      decimal(10,2),
    `rank`               int           NOT NULL,
    computed_at          timestamp(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (report_date, change_id),
    UNIQUE KEY uq_high_impact_changes_rank (report_date, `rank`),
    CONSTRAINT ck_high_impact_changes_rank CHECK (`rank` BETWEEN 1 AND 10),
    CONSTRAINT ck_high_impact_changes_affected_dashboards CHECK (affected_dashboards > 3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Seed 001 High-Impact Changes Report per day: changes of the 7 days ending with report_date that touched more than 3 dashboards, top 10 by token cost';

-- clock_drift_daily: per UTC day of last_sync_at and component, the clock_sync_status samples, their
-- max and p95 |offset|, and the shares of each status.
CREATE TABLE clock_drift_daily (
    day                 date           NOT NULL,
    component_name      varchar(100)   NOT NULL,
    samples             bigint         NOT NULL,
    max_abs_offset_us   bigint         NOT NULL,
    p95_abs_offset_us   double         NOT NULL,
    synchronized_share  decimal(5,2)   NOT NULL,
    drifting_share      decimal(5,2)   NOT NULL,
    error_share         decimal(5,2)   NOT NULL,
    computed_at         timestamp(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (day, component_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='Daily clock drift per component (seed 000/001 < 10 ms target): samples, max and p95 |offset_us|, status shares';
