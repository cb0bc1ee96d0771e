-- The newest run that created lineage rows (NULL: the lineage is empty), through lineage_run.
-- Binds nothing.
SELECT MAX(run_id) AS run_id FROM v2_backfill.lineage;
