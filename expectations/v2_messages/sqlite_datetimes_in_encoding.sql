-- severity: critical
-- dialects: sqlite
-- description: Every DateTime cell of the rows the pipeline writes is, as published, a valid instant in the encoding the app writes (INTEGER epoch ms or ISO-8601 TEXT, --sqlite-datetime or found from its native rows).
SELECT 'messages_v2' AS table_name, w.id,
    w."createdAt" AS created_at, w."updatedAt" AS updated_at, w."readAt" AS other_at
FROM {written_messages} AS w
WHERE {datetime_problem[w."createdAt"]} OR {datetime_problem[w."updatedAt"]}
    OR {datetime_problem[w."readAt"]}
UNION ALL
SELECT 'property_conversations', w.id, w."createdAt", w."updatedAt", w."lastMessageAt"
FROM {written_conversations} AS w
WHERE {datetime_problem[w."createdAt"]} OR {datetime_problem[w."updatedAt"]}
    OR {datetime_problem[w."lastMessageAt"]}
