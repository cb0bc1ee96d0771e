-- severity: critical
-- description: Every native V2 row (not written by the pipeline) seen just before the audit is still there, with the same id, conversation, sender, type, content and createdAt, in the state to publish.
SELECT n.table_name, n.row_id, CASE WHEN t.id IS NULL THEN 'missing' ELSE 'changed' END AS problem
FROM {native_rows} AS n
LEFT JOIN {messages} AS t ON t.id = n.row_id
WHERE n.table_name = 'messages_v2' AND (t.id IS NULL OR {native_message_hash} <> n.row_hash)
UNION ALL
SELECT n.table_name, n.row_id, CASE WHEN t.id IS NULL THEN 'missing' ELSE 'changed' END
FROM {native_rows} AS n
LEFT JOIN {conversations} AS t ON t.id = n.row_id
WHERE n.table_name = 'property_conversations'
    AND (t.id IS NULL OR {native_conversation_hash} <> n.row_hash)
