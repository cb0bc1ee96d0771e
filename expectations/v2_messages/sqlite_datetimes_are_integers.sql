-- severity: critical
-- dialects: sqlite
-- description: Every DateTime cell the pipeline wrote is an INTEGER (epoch ms), the encoding Prisma reads on SQLite.
SELECT 'messages_v2' AS table_name, w.id,
    typeof(w."createdAt") AS created_type, typeof(w."updatedAt") AS updated_type,
    typeof(w."readAt") AS other_type
FROM {written_messages} AS w
WHERE typeof(w."createdAt") <> 'integer' OR typeof(w."updatedAt") <> 'integer'
    OR typeof(w."readAt") NOT IN ('integer', 'null')
UNION ALL
SELECT 'property_conversations', w.id,
    typeof(w."createdAt"), typeof(w."updatedAt"), typeof(w."lastMessageAt")
FROM {written_conversations} AS w
WHERE typeof(w."createdAt") <> 'integer' OR typeof(w."updatedAt") <> 'integer'
    OR typeof(w."lastMessageAt") NOT IN ('integer', 'null')
