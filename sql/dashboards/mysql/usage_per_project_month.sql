-- dashboard: Usage of an organization per project and month, the last 12 months
-- seed: 003 (usage_monthly continuous aggregate, hierarchical over usage_daily), over usage_monthly
-- class: aggregate
-- targets: p95 < 50 ms (seed 004, aggregate queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: org_id = an organization; as_of = the dashboard's now (naive UTC): its month and the 11 before
SELECT bucket AS month,
       project_id,
       CAST(SUM(request_count) AS SIGNED) AS request_count,
       CAST(SUM(total_input_tokens) AS SIGNED) AS total_input_tokens,
       CAST(SUM(total_output_tokens) AS SIGNED) AS total_output_tokens,
       CAST(SUM(total_cost_cents) AS SIGNED) AS total_cost_cents
FROM usage_monthly
WHERE org_id = :org_id
  AND bucket > CAST(:as_of AS DATE) - INTERVAL 12 MONTH
  AND bucket <= CAST(:as_of AS DATE)
GROUP BY bucket, project_id
ORDER BY bucket DESC, project_id
