-- severity: critical
-- modes: backfill, sync
-- description: The pipeline wrote nothing to the legacy tables since the run started (every insert, update or delete a pipeline session made to one is recorded in the transaction that made it; what the app writes meanwhile is the next sync's).
SELECT w.table_name, w.operation, SUM(w.row_count) AS rows_written, MIN(w.recorded_at) AS first_at
FROM v2_backfill.legacy_writes AS w
WHERE w.recorded_at >= (SELECT r.started_at FROM v2_backfill.runs AS r WHERE r.run_id = {run_id})
GROUP BY w.table_name, w.operation
