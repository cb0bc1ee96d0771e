-- What a run would do, from its staged result: per kind ('copy' by rule, 'update' by action,
-- 'quarantine' by reason, 'conversation' create/reuse, 'already_migrated', 'replacement'
-- applied/reported), how many. Binds nothing.
SELECT 'copy' AS kind, rule AS name, COUNT(*) AS n
FROM v2_backfill.stage_v2_messages WHERE action = 'insert' GROUP BY rule
UNION ALL
SELECT 'update', action, COUNT(*)
FROM v2_backfill.stage_v2_messages WHERE action <> 'insert' GROUP BY action
UNION ALL
SELECT 'quarantine', reason, COUNT(*) FROM v2_backfill.stage_quarantine GROUP BY reason
UNION ALL
SELECT 'conversation', 'create', COUNT(*) FROM v2_backfill.stage_conversations WHERE is_new
UNION ALL
SELECT 'conversation', 'reuse', COUNT(*) FROM v2_backfill.stage_conversations AS sc
WHERE NOT sc.is_new AND sc.id IN (
    SELECT sm."conversationId" FROM v2_backfill.stage_v2_messages AS sm WHERE sm.action = 'insert'
)
UNION ALL
SELECT 'already_migrated', 'all', COUNT(*) FROM v2_backfill.outcomes WHERE migrated
UNION ALL
SELECT 'replacement', CASE WHEN applied THEN 'applied' ELSE 'reported' END, COUNT(*)
FROM v2_backfill.stage_replacements GROUP BY applied
ORDER BY 1, 2;
