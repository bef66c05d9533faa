-- domain: governance
-- seed: 001
-- description: Reverts 0008

DROP INDEX idx_violations_standard_status ON metadata_violations;
DROP INDEX idx_violations_open_detected ON metadata_violations;
