-- Records how a run ended. Binds :run_id, :status, :now, :summary (JSON text).
UPDATE v2_backfill.runs SET status = :status, finished_at = :now, summary = :summary
WHERE run_id = :run_id;
