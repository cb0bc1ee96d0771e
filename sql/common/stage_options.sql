-- The run's staged options (one row, none before a run staged): replace, and full_context
-- (whether it re-examined every legacy message). Binds nothing.
SELECT replace, full_context FROM v2_backfill.stage_options;
