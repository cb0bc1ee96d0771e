-- The newest run still recorded as running (none, or one that holds the run lock or died
-- holding it). Binds nothing.
SELECT run_id, kind FROM v2_backfill.runs WHERE status = 'running'
ORDER BY started_at DESC
LIMIT 1;
