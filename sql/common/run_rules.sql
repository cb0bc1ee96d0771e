-- The run's legacy messages in V2 after publishing, by the rule that placed them (the lineage's).
-- Binds nothing.
SELECT l.rule, COUNT(*) AS messages
FROM v2_backfill.slice_messages AS s
JOIN v2_backfill.lineage AS l ON l.legacy_message_id = s.message_id
GROUP BY l.rule
ORDER BY l.rule;
