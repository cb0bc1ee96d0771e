-- severity: warning
-- dialects: sqlite
-- description: Every DateTime cell of the V2 rows the app wrote (not the pipeline) holds a valid instant in either encoding, epoch ms or ISO-8601 (a row that holds none is the app's to fix; the pipeline never changes it); a sync reads those of the conversations it touches, a validate every one.
SELECT 'messages_v2' AS table_name, t.id,
    t."createdAt" AS created_at, t."updatedAt" AS updated_at, t."readAt" AS other_at
FROM {app_messages} AS t
WHERE t.id NOT IN (SELECT l.legacy_message_id FROM v2_backfill.lineage AS l)
    AND ({strict_instant[t."createdAt"]} IS NULL OR {strict_instant[t."updatedAt"]} IS NULL
        OR (t."readAt" IS NOT NULL AND {strict_instant[t."readAt"]} IS NULL))
UNION ALL
SELECT 'property_conversations', t.id, t."createdAt", t."updatedAt", t."lastMessageAt"
FROM {app_conversations} AS t
WHERE t.id NOT IN (SELECT c.conversation_id FROM v2_backfill.created_conversations AS c)
    AND ({strict_instant[t."createdAt"]} IS NULL OR {strict_instant[t."updatedAt"]} IS NULL
        OR (t."lastMessageAt" IS NOT NULL AND {strict_instant[t."lastMessageAt"]} IS NULL))
UNION ALL
SELECT 'notifications_v2', t.id, t."createdAt", NULL, t."readAt"
FROM notifications_v2 AS t
WHERE {strict_instant[t."createdAt"]} IS NULL
    OR (t."readAt" IS NOT NULL AND {strict_instant[t."readAt"]} IS NULL)
