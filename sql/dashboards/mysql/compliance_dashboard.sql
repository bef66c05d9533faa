-- dashboard: Metadata compliance, per active standard, as of a day
-- seed: 001 (HTAP example "Metadata Compliance Dashboard", real-time compliance score), over compliance_scores
-- class: aggregate
-- targets: p95 < 50 ms (seed 004, aggregate queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: as_of = the dashboard's now (naive UTC): the scores as of the end of its day
SELECT category, standard_name, enforcement_level, violation_count, open_violations, compliance_rate
FROM compliance_scores
WHERE score_date = CAST(:as_of AS DATE)
ORDER BY compliance_rate, standard_name
