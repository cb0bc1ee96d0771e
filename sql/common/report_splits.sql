-- How the shared legacy conversations (no propertyId) of the audited messages (relation
-- legacy_messages), the first :limit by id, were split: messages per receiving property, and
-- the quarantined ones (property NULL). Binds :limit.
WITH shared AS (
    SELECT c.id FROM conversations AS c
    WHERE c."propertyId" IS NULL
        AND c.id IN (SELECT m."conversationId" FROM {legacy_messages} AS m)
    ORDER BY c.id
    LIMIT :limit
)
SELECT l.legacy_conversation_id, l.property_id, p.address, l.conversation_id,
    COUNT(*) AS messages
FROM {lineage} AS l
LEFT JOIN properties AS p ON p.id = l.property_id
WHERE l.legacy_conversation_id IN (SELECT id FROM shared)
GROUP BY l.legacy_conversation_id, l.property_id, p.address, l.conversation_id
UNION ALL
SELECT q.legacy_conversation_id, NULL, NULL, NULL, COUNT(*)
FROM {quarantine} AS q
WHERE q.legacy_conversation_id IN (SELECT id FROM shared)
GROUP BY q.legacy_conversation_id
ORDER BY 1, 5 DESC;
