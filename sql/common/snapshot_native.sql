-- Records the native V2 rows that placeholder native_rows selects (table_name, row_id and the
-- hash of the columns the pipeline must never change: v2_backfill.db.row_hashes), for the
-- audit of run :run_id that follows. Binds :run_id.
INSERT INTO v2_backfill.native_rows (table_name, row_id, row_hash, run_id)
SELECT table_name, row_id, row_hash, :run_id FROM ({native_rows}) AS n;
