-- domain: governance
-- seed: 001
-- description: Seed 001 v1.1.0 performance indexes for metadata governance (open violations, per-standard aggregation)

-- Fast lookup of open violations for the compliance dashboard.
-- partial index on PostgreSQL: WHERE status = 'open'; nearest composite here because the MySQL family has no partial indexes
CREATE INDEX idx_violations_open_detected ON metadata_violations (status, detected_at DESC);

-- Standard-based violation aggregation.
CREATE INDEX idx_violations_standard_status ON metadata_violations (standard_id, status);
