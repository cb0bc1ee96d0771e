-- severity: critical
-- description: Message ids and conversation ids are unique.
SELECT 'messages_v2' AS table_name, id, COUNT(*) AS copies
FROM {messages} AS mv
GROUP BY id
HAVING COUNT(*) > 1
UNION ALL
SELECT 'property_conversations', id, COUNT(*)
FROM {conversations} AS c
GROUP BY id
HAVING COUNT(*) > 1
