-- Staged legacy messages in quarantine, by reason (migrated messages are never quarantined).
-- Binds nothing.
SELECT s.reason, COUNT(*) AS messages
FROM v2_backfill.stage_messages AS s
WHERE s.reason IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = s.message_id)
GROUP BY s.reason
ORDER BY s.reason;
