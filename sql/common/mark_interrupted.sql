-- Marks every run still recorded as running interrupted (run by the holder of the run lock:
-- they died without finishing), keeping a summary they wrote. Binds :now (a timestamp as the
-- store keeps it), :summary (JSON).
UPDATE v2_backfill.runs SET status = 'interrupted', finished_at = :now,
    summary = COALESCE(summary, :summary)
WHERE status = 'running';
