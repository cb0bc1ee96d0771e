-- severity: critical
-- description: Every conversation with messages has a lastMessageAt no earlier than its newest message.
SELECT c.id AS conversation_id, c."lastMessageAt" AS last_message_at, x.newest AS newest_message
FROM {conversations} AS c
JOIN (
    SELECT "conversationId" AS conversation_id, MAX("createdAt") AS newest
    FROM {messages} AS mv
    GROUP BY "conversationId"
) AS x ON x.conversation_id = c.id
WHERE c."lastMessageAt" IS NULL OR c."lastMessageAt" < x.newest
