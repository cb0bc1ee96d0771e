-- Staged legacy messages by the rule that placed them. Binds nothing.
SELECT s.rule, COUNT(*) AS messages
FROM v2_backfill.stage_messages AS s
WHERE s.property_id IS NOT NULL
GROUP BY s.rule
ORDER BY s.rule;
