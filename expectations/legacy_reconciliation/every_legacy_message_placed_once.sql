-- severity: critical
-- description: Every legacy message id is migrated (with its messages_v2 row) or quarantined, never both, never neither, never twice; nothing migrated or quarantined is unknown to legacy.
SELECT m.id AS legacy_message_id, m."conversationId" AS legacy_conversation_id,
    CASE WHEN l.legacy_message_id IS NULL THEN 'neither migrated nor quarantined'
        ELSE 'both migrated and quarantined' END AS problem
FROM {legacy_messages} AS m
LEFT JOIN {lineage} AS l ON l.legacy_message_id = m.id
LEFT JOIN {quarantine} AS q ON q.legacy_message_id = m.id
WHERE (l.legacy_message_id IS NULL AND q.legacy_message_id IS NULL)
    OR (l.legacy_message_id IS NOT NULL AND q.legacy_message_id IS NOT NULL)
UNION ALL
SELECT x.legacy_message_id, x.legacy_conversation_id, 'not a legacy message'
FROM (
    SELECT legacy_message_id, legacy_conversation_id FROM {lineage} AS lx
    UNION ALL
    SELECT legacy_message_id, legacy_conversation_id FROM {quarantine} AS qx
) AS x
WHERE NOT EXISTS (SELECT 1 FROM {legacy_messages} AS m WHERE m.id = x.legacy_message_id)
UNION ALL
SELECT l.legacy_message_id, MIN(l.legacy_conversation_id), 'migrated more than once'
FROM {lineage} AS l
GROUP BY l.legacy_message_id
HAVING COUNT(*) > 1
UNION ALL
SELECT l.legacy_message_id, l.legacy_conversation_id, 'migrated without its messages_v2 row'
FROM {lineage} AS l
WHERE NOT EXISTS (
    SELECT 1 FROM {messages} AS mv
    WHERE mv.id = l.legacy_message_id AND mv."conversationId" = l.conversation_id
)
