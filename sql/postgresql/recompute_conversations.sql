-- Recomputes unreadAgentCount (unread CLIENT messages), unreadClientCount (unread AGENT
-- messages) and lastMessageAt = max(current, newest createdAt) from all messages, native ones
-- included, of every conversation this run delivered messages to; rows already right are not
-- touched. Binds :run_id, :now (timestamp).
UPDATE property_conversations AS pc
SET
    "unreadAgentCount" = x.unread_agent,
    "unreadClientCount" = x.unread_client,
    "lastMessageAt" = GREATEST(pc."lastMessageAt", x.newest),
    "updatedAt" = :now
FROM (
    SELECT
        mv."conversationId" AS conversation_id,
        COUNT(*) FILTER (WHERE mv."senderType" = 'CLIENT' AND NOT mv."isRead") AS unread_agent,
        COUNT(*) FILTER (WHERE mv."senderType" = 'AGENT' AND NOT mv."isRead") AS unread_client,
        MAX(mv."createdAt") AS newest
    FROM messages_v2 AS mv
    WHERE mv."conversationId" IN (
        SELECT l.conversation_id FROM v2_backfill.lineage AS l WHERE l.run_id = :run_id
    )
    GROUP BY mv."conversationId"
) AS x
WHERE pc.id = x.conversation_id
    AND (
        pc."unreadAgentCount" <> x.unread_agent
        OR pc."unreadClientCount" <> x.unread_client
        OR pc."lastMessageAt" IS NULL
        OR pc."lastMessageAt" < x.newest
    );
