-- The SQL floor on SQLite: a hand-written set-based migration of the deterministic part (the
-- messages of conversations with a property and of shared conversations of single-property
-- timelines: the two set-based rules; no text rules, quarantine, lineage or checks; legacy
-- timestamps assumed INTEGER). Run inside a transaction that is rolled back.
INSERT INTO property_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt"
)
SELECT 'c' || substr(md5('floor:' || p.id), 1, 24), p.id, t.id, t."agentId", t."clientId",
    'ACTIVE', 0, 0, NULL, 0, 0
FROM properties AS p
JOIN timelines AS t ON t.id = p."timelineId";

INSERT INTO messages_v2 (
    id, "conversationId", "senderId", "senderType", content, type,
    "isRead", "readAt", "createdAt", "updatedAt"
)
SELECT m.id, pc.id, m."senderId", UPPER(m."senderType"), m.content, 'TEXT',
    m."isRead", m."readAt", m."createdAt", m."updatedAt"
FROM messages AS m
JOIN conversations AS c ON c.id = m."conversationId"
LEFT JOIN (
    SELECT "timelineId" AS timeline_id, MIN(id) AS property_id
    FROM properties
    GROUP BY "timelineId"
    HAVING COUNT(*) = 1
) AS single ON c."propertyId" IS NULL AND single.timeline_id = c."timelineId"
JOIN property_conversations AS pc ON pc."propertyId" = COALESCE(c."propertyId", single.property_id)
WHERE UPPER(m."senderType") IN ('AGENT', 'CLIENT');

UPDATE property_conversations AS pc
SET "unreadAgentCount" = x.unread_agent, "unreadClientCount" = x.unread_client,
    "lastMessageAt" = x.newest
FROM (
    SELECT "conversationId" AS id,
        SUM("senderType" = 'CLIENT' AND NOT "isRead") AS unread_agent,
        SUM("senderType" = 'AGENT' AND NOT "isRead") AS unread_client,
        MAX("createdAt") AS newest
    FROM messages_v2
    GROUP BY "conversationId"
) AS x
WHERE pc.id = x.id;
