-- The migrated and quarantined messages the app deleted from legacy since they were placed,
-- which `validate` lists instead of failing on them (a reconciling sync reports them, and
-- with --propagate-deletes removes what the pipeline made of them): the first :limit, each
-- with the count of all of them (total). Binds :limit.
SELECT placed.legacy_message_id, placed.placed_as, placed.conversation_id,
    COUNT(*) OVER () AS total
FROM (
    SELECT l.legacy_message_id, 'migrated' AS placed_as, l.conversation_id
    FROM v2_backfill.lineage AS l
    UNION ALL
    SELECT q.legacy_message_id, 'quarantined' AS placed_as, NULL AS conversation_id
    FROM v2_backfill.quarantine AS q
) AS placed
WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.id = placed.legacy_message_id)
ORDER BY placed.legacy_message_id
LIMIT :limit;
