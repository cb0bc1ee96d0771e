-- Tries to take the session-level advisory lock of v2-backfill runs without waiting; returns
-- whether it was taken (held until the session ends). Binds :key.
SELECT pg_try_advisory_lock(:key) AS taken;
