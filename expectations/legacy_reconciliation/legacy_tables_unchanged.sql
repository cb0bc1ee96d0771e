-- severity: critical
-- modes: run
-- description: The legacy tables have the same row counts and checksums (every column, typed) just before the audit as at the run's start.
SELECT s.table_name, s.row_count AS rows_before, c.row_count AS rows_now,
    s.checksum AS checksum_before, c.checksum AS checksum_now
FROM v2_backfill.snapshots AS s
LEFT JOIN v2_backfill.stage_legacy_checksums AS c ON c.table_name = s.table_name
WHERE s.run_id = {run_id}
    AND (c.table_name IS NULL OR c.row_count <> s.row_count OR c.checksum <> s.checksum)
