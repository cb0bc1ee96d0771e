-- Indexes the lineage by the run that created each row (create_bookkeeping): the identity
-- check reads the newest run's rows at every command's start, a rollback a run's rows.
-- Idempotent. Binds nothing.
CREATE INDEX IF NOT EXISTS v2_backfill.lineage_run ON lineage (run_id);
