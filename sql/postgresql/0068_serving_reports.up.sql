-- domain: derived
-- seed: CONTRACTS.md
-- description: The High-Impact Changes Report (seed 001) and the daily clock drift (seed 000/001's < 10 ms target) as derived tables

-- high_impact_changes: for day D, seed 001's report over the sync_buffer changes created in the 7 days
-- ending with D, with more than 3 dashboards affected; the top 10 by token cost. Rebuilt per day.
CREATE TABLE high_impact_changes (
    report_date          date          NOT NULL,
    change_id            uuid          NOT NULL,
    change_type          varchar(100)  NOT NULL,
    affected_dashboards  bigint        NOT NULL,
    total_token_cost     bigint,
    avg_duration_ms      numeric(10,2),
    rank                 integer       NOT NULL,
    computed_at          timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT high_impact_changes_pkey PRIMARY KEY (report_date, change_id),
    CONSTRAINT uq_high_impact_changes_rank UNIQUE (report_date, rank),
    CONSTRAINT ck_high_impact_changes_rank CHECK (rank BETWEEN 1 AND 10),
    CONSTRAINT ck_high_impact_changes_affected_dashboards CHECK (affected_dashboards > 3)
);

COMMENT ON TABLE high_impact_changes IS 'Seed 001 High-Impact Changes Report per day: changes of the 7 days ending with report_date that touched more than 3 dashboards, top 10 by token cost';

-- clock_drift_daily: per UTC day of last_sync_at and component, the clock_sync_status samples, their
-- max and p95 |offset|, and the shares of each status.
CREATE TABLE clock_drift_daily (
    day                 date              NOT NULL,
    component_name      varchar(100)      NOT NULL,
    samples             bigint            NOT NULL,
    max_abs_offset_us   bigint            NOT NULL,
    p95_abs_offset_us   double precision  NOT NULL,
    synchronized_share  numeric(5,2)      NOT NULL,
    drifting_share      numeric(5,2)      NOT NULL,
    error_share         numeric(5,2)      NOT NULL,
    computed_at         timestamptz       NOT NULL DEFAULT now(),
    CONSTRAINT clock_drift_daily_pkey PRIMARY KEY (day, component_name)
);

COMMENT ON TABLE clock_drift_daily IS 'Daily clock drift per component (seed 000/001 < 10 ms target): samples, max and p95 |offset_us|, status shares';
