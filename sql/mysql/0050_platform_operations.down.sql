-- domain: operations
-- seed: platform
-- description: Drop the platform bookkeeping tables

DROP TABLE provenance_expiry_notifications;
DROP TABLE pipeline_alerts;
DROP TABLE archive_manifest;
DROP TABLE partition_builds;
DROP TABLE ingest_quarantine;
DROP TABLE ingest_ledger;
