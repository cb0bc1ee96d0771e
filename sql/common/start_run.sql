-- Records a run as running. Binds :run_id, :kind, :now, :params (JSON text).
INSERT INTO v2_backfill.runs (run_id, kind, status, started_at, params)
VALUES (:run_id, :kind, 'running', :now, :params);
