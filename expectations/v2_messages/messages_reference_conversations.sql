-- severity: critical
-- description: Every message belongs to an existing property conversation.
SELECT mv.id AS message_id, mv."conversationId" AS conversation_id
FROM {messages} AS mv
WHERE NOT EXISTS (SELECT 1 FROM {conversations} AS c WHERE c.id = mv."conversationId")
