-- severity: critical
-- description: Every conversation with messages has a lastMessageAt no earlier than its newest message (compared by their instants: on SQLite either DateTime encoding).
SELECT c.id AS conversation_id, c."lastMessageAt" AS last_message_at, x.newest AS newest_message
FROM {conversations} AS c
JOIN (
    SELECT "conversationId" AS conversation_id, MAX({instant["createdAt"]}) AS newest
    FROM {messages} AS mv
    GROUP BY "conversationId"
) AS x ON x.conversation_id = c.id
WHERE c."lastMessageAt" IS NULL OR {instant[c."lastMessageAt"]} < x.newest
