-- The parameters (JSON) of the latest successful backfill, none when no backfill succeeded.
-- Binds nothing.
SELECT params FROM v2_backfill.runs WHERE kind = 'backfill' AND status = 'succeeded'
ORDER BY started_at DESC, run_id DESC
LIMIT 1;
