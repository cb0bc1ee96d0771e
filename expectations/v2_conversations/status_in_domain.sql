-- severity: critical
-- description: status is ACTIVE, ARCHIVED or CLOSED (Prisma's ConversationStatus), and unread counts are not negative.
SELECT c.id AS conversation_id, CAST(c.status AS TEXT) AS status,
    c."unreadAgentCount" AS unread_agent_count, c."unreadClientCount" AS unread_client_count
FROM {conversations} AS c
WHERE CAST(c.status AS TEXT) NOT IN ('ACTIVE', 'ARCHIVED', 'CLOSED')
    OR c."unreadAgentCount" < 0 OR c."unreadClientCount" < 0
