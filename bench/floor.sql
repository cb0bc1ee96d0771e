-- The SQL floor: what a hand-written set-based migration of the deterministic part costs
-- (the messages of conversations with a property and of shared conversations of
-- single-property timelines: the two set-based rules; no shared-conversation text rules, no
-- quarantine, no lineage, no checks; SQLite's legacy timestamps assumed INTEGER). Run inside a
-- transaction that is rolled back. Binds :now (a timestamp as the store keeps it). Fills
-- enum_cast (Database.fills).
INSERT INTO property_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt"
)
SELECT 'c' || substr(md5('floor:' || p.id), 1, 24), p.id, t.id, t."agentId", t."clientId",
    'ACTIVE', 0, 0, NULL, :now, :now
FROM properties AS p
JOIN timelines AS t ON t.id = p."timelineId";

INSERT INTO messages_v2 (
    id, "conversationId", "senderId", "senderType", content, type,
    "isRead", "readAt", "createdAt", "updatedAt"
)
SELECT m.id, pc.id, m."senderId", {enum_cast[UPPER(m."senderType") AS "UserType"]}, m.content, 'TEXT',
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
        SUM(CASE WHEN "senderType" = 'CLIENT' AND NOT "isRead" THEN 1 ELSE 0 END) AS unread_agent,
        SUM(CASE WHEN "senderType" = 'AGENT' AND NOT "isRead" THEN 1 ELSE 0 END) AS unread_client,
        MAX("createdAt") AS newest
    FROM messages_v2
    GROUP BY "conversationId"
) AS x
WHERE pc.id = x.id;
