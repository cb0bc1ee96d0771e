-- Counts the staged messages with neither a property nor a quarantine reason (a bug: publish
-- refuses to start on any). Binds nothing.
SELECT COUNT(*) AS messages FROM v2_backfill.outcomes
WHERE target_property_id IS NULL AND reason IS NULL;
