-- Takes the transaction-level advisory lock of one timeline bucket of the text rules, waiting
-- (up to the lock timeout) while another transaction holds it; released at its end
-- (Database.lock_bucket). Binds :locks, :bucket.
SELECT pg_advisory_xact_lock(CAST(:locks AS INTEGER), CAST(:bucket AS INTEGER)) AS taken;
