-- Indexes the lineage by the run that created each row (create_bookkeeping): the identity
-- check reads the newest run's rows at every command's start, a rollback a run's rows.
-- Idempotent. Binds nothing. Fills index_store, view_store.
CREATE INDEX IF NOT EXISTS {index_store}lineage_run ON {view_store}lineage (run_id);
