-- Counts the staged shared-conversation messages that still need the text rules. Binds nothing.
SELECT COUNT(*) FROM v2_backfill.stage_messages AS s
WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL;
