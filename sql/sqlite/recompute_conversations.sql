-- Recomputes unreadAgentCount (unread CLIENT messages), unreadClientCount (unread AGENT
-- messages) and lastMessageAt = max(current, newest createdAt) from all messages, native ones
-- included, of every conversation this run delivered messages to; rows already right are not
-- touched. DateTime cells written by hand as TEXT are compared by their instant.
-- Binds :run_id, :now (epoch ms).
UPDATE property_conversations AS pc
SET
    "unreadAgentCount" = x.unread_agent,
    "unreadClientCount" = x.unread_client,
    "lastMessageAt" = CASE WHEN x.current_last IS NULL OR x.current_last < x.newest
        THEN x.newest ELSE pc."lastMessageAt" END,
    "updatedAt" = :now
FROM (
    SELECT
        mv."conversationId" AS conversation_id,
        SUM(CASE WHEN mv."senderType" = 'CLIENT' AND NOT mv."isRead" THEN 1 ELSE 0 END)
            AS unread_agent,
        SUM(CASE WHEN mv."senderType" = 'AGENT' AND NOT mv."isRead" THEN 1 ELSE 0 END)
            AS unread_client,
        MAX(CASE typeof(mv."createdAt")
            WHEN 'text' THEN CAST(ROUND((julianday(mv."createdAt") - 2440587.5) * 86400000.0) AS INTEGER)
            ELSE CAST(mv."createdAt" AS INTEGER)
        END) AS newest,
        (SELECT CASE typeof(c."lastMessageAt")
            WHEN 'text' THEN CAST(ROUND((julianday(c."lastMessageAt") - 2440587.5) * 86400000.0) AS INTEGER)
            ELSE CAST(c."lastMessageAt" AS INTEGER)
        END FROM property_conversations AS c WHERE c.id = mv."conversationId") AS current_last
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
        OR x.current_last IS NULL
        OR x.current_last < x.newest
    );
