-- severity: critical
-- description: unreadAgentCount equals the conversation's unread CLIENT messages and unreadClientCount its unread AGENT messages.
SELECT c.id AS conversation_id,
    c."unreadAgentCount" AS unread_agent_count, COALESCE(x.unread_agent, 0) AS unread_agent_messages,
    c."unreadClientCount" AS unread_client_count, COALESCE(x.unread_client, 0) AS unread_client_messages
FROM {conversations} AS c
LEFT JOIN (
    SELECT "conversationId" AS conversation_id,
        SUM(CASE WHEN "senderType" = 'CLIENT' AND NOT "isRead" THEN 1 ELSE 0 END) AS unread_agent,
        SUM(CASE WHEN "senderType" = 'AGENT' AND NOT "isRead" THEN 1 ELSE 0 END) AS unread_client
    FROM {messages} AS mv
    GROUP BY "conversationId"
) AS x ON x.conversation_id = c.id
WHERE c."unreadAgentCount" <> COALESCE(x.unread_agent, 0)
    OR c."unreadClientCount" <> COALESCE(x.unread_client, 0)
