-- severity: critical
-- description: For every legacy conversation, its message count equals the messages migrated from it plus those quarantined.
SELECT c.legacy_conversation_id, c.legacy_messages,
    COALESCE(l.migrated, 0) AS migrated, COALESCE(q.quarantined, 0) AS quarantined
FROM (
    SELECT "conversationId" AS legacy_conversation_id, COUNT(*) AS legacy_messages
    FROM {legacy_messages} AS m
    GROUP BY "conversationId"
) AS c
LEFT JOIN (
    SELECT legacy_conversation_id, COUNT(*) AS migrated FROM {lineage} AS lx
    GROUP BY legacy_conversation_id
) AS l ON l.legacy_conversation_id = c.legacy_conversation_id
LEFT JOIN (
    SELECT legacy_conversation_id, COUNT(*) AS quarantined FROM {quarantine} AS qx
    GROUP BY legacy_conversation_id
) AS q ON q.legacy_conversation_id = c.legacy_conversation_id
WHERE c.legacy_messages <> COALESCE(l.migrated, 0) + COALESCE(q.quarantined, 0)
