-- dashboard: RAG quality, latency, cost and SLO compliance per day, the last 30 days
-- seed: 002 (rag_metrics_history, the daily aggregation job's table; idx_rag_metrics_date_unique)
-- class: aggregate
-- targets: p95 < 50 ms (seed 004, aggregate queries); p99 < 100 ms (seed 000, dashboard queries)
-- params: as_of = the dashboard's now (naive UTC): its day and the 29 before
SELECT date, total_queries, citation_rate, citation_count, avg_latency_ms, p50_latency_ms, p95_latency_ms,
       p99_latency_ms, unique_users, total_tokens, total_cost, cost_per_answer, avg_relevance_score,
       positive_feedback_rate, slo_compliance
FROM rag_metrics_history
WHERE date > CAST(:as_of AS DATE) - 30
  AND date <= CAST(:as_of AS DATE)
ORDER BY date DESC
