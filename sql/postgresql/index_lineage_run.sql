-- Indexes the lineage by the run that created each row (create_bookkeeping): the identity
-- check reads the newest run's rows at every command's start, a rollback a run's rows.
-- Idempotent. Binds nothing.
CREATE INDEX IF NOT EXISTS lineage_run ON v2_backfill.lineage (run_id);
