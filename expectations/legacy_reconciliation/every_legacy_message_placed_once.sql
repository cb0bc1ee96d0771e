-- severity: critical
-- description: Every legacy message id is migrated (with its messages_v2 row) or quarantined, never both, never neither, never twice; nothing migrated or quarantined is unknown to legacy.
SELECT x.legacy_message_id, MIN(x.legacy_conversation_id) AS legacy_conversation_id,
    CASE
        WHEN SUM(x.in_legacy) = 0 THEN 'not a legacy message'
        WHEN SUM(x.in_lineage) > 1 THEN 'migrated more than once'
        WHEN SUM(x.in_lineage) = 1 AND SUM(x.in_quarantine) = 1 THEN 'both migrated and quarantined'
        WHEN SUM(x.in_quarantine) > 1 THEN 'quarantined more than once'
        ELSE 'neither migrated nor quarantined'
    END AS problem
FROM (
    SELECT m.id AS legacy_message_id, m."conversationId" AS legacy_conversation_id,
        1 AS in_legacy, 0 AS in_lineage, 0 AS in_quarantine
    FROM {legacy_messages} AS m
    UNION ALL
    SELECT l.legacy_message_id, l.legacy_conversation_id, 0, 1, 0 FROM {lineage} AS l
    UNION ALL
    SELECT q.legacy_message_id, q.legacy_conversation_id, 0, 0, 1 FROM {quarantine} AS q
) AS x
GROUP BY x.legacy_message_id
HAVING SUM(x.in_legacy) <> 1 OR SUM(x.in_lineage) + SUM(x.in_quarantine) <> 1
UNION ALL
SELECT l.legacy_message_id, l.legacy_conversation_id, 'migrated without its messages_v2 row'
FROM {lineage} AS l
WHERE NOT EXISTS (
    SELECT 1 FROM {messages} AS mv
    WHERE mv.id = l.legacy_message_id AND mv."conversationId" = l.conversation_id
)
