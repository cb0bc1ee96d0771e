-- Recounts, from the live messages (native ones included), every conversation of the run:
-- each staged one, and the actual conversation of each staged message's property (the live
-- app's, where it won the race): unreadAgentCount (unread CLIENT messages), unreadClientCount
-- (unread AGENT messages), lastMessageAt = max(current, newest createdAt). Rows already right
-- are not touched. Run in the publishing transaction. Binds :now (timestamp).
UPDATE property_conversations AS pc
SET
    "unreadAgentCount" = x.unread_agent,
    "unreadClientCount" = x.unread_client,
    "lastMessageAt" = GREATEST(pc."lastMessageAt", x.newest),
    "updatedAt" = :now
FROM (
    SELECT
        c.id,
        COUNT(mv.id) FILTER (WHERE mv."senderType" = 'CLIENT' AND NOT mv."isRead") AS unread_agent,
        COUNT(mv.id) FILTER (WHERE mv."senderType" = 'AGENT' AND NOT mv."isRead") AS unread_client,
        MAX(mv."createdAt") AS newest
    FROM property_conversations AS c
    LEFT JOIN messages_v2 AS mv ON mv."conversationId" = c.id
    WHERE c.id IN (SELECT sc.id FROM v2_backfill.stage_conversations AS sc)
        OR c."propertyId" IN (SELECT sm.property_id FROM v2_backfill.stage_v2_messages AS sm)
    GROUP BY c.id
) AS x
WHERE pc.id = x.id
    AND (
        pc."unreadAgentCount" <> x.unread_agent
        OR pc."unreadClientCount" <> x.unread_client
        OR (pc."lastMessageAt" IS NULL AND x.newest IS NOT NULL)
        OR pc."lastMessageAt" < x.newest
    );
