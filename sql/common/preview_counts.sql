-- What a run would do, from its staged result: per kind ('copy' by rule, 'quarantine' by
-- reason, 'conversation' new/existing, 'already_migrated'), how many. Binds nothing.
SELECT 'copy' AS kind, rule AS name, COUNT(*) AS n
FROM v2_backfill.stage_v2_messages GROUP BY rule
UNION ALL
SELECT 'quarantine', reason, COUNT(*) FROM v2_backfill.stage_quarantine GROUP BY reason
UNION ALL
SELECT 'conversation', CASE WHEN is_new THEN 'create' ELSE 'reuse' END, COUNT(*)
FROM v2_backfill.stage_conversations GROUP BY is_new
UNION ALL
SELECT 'already_migrated', 'all', COUNT(*) FROM v2_backfill.lineage
ORDER BY 1, 2;
