-- Brings the DateTime cells of every V2 row the pipeline wrote (lineage, created_conversations)
-- into the run's encoding: after the app changed its encoding (an upgrade to Prisma's libsql
-- adapter, or Prisma 7), the rows published before are rewritten as the same instants in the
-- encoding the app now reads; a row already in it is not touched. Run in the publishing
-- transaction. Binds nothing. Fills app_datetime (Database.fills).
UPDATE messages_v2
SET "createdAt" = {app_datetime["createdAt"]}, "updatedAt" = {app_datetime["updatedAt"]},
    "readAt" = {app_datetime["readAt"]}
WHERE id IN (SELECT l.legacy_message_id FROM v2_backfill.lineage AS l)
    AND ("createdAt" IS NOT {app_datetime["createdAt"]}
        OR "updatedAt" IS NOT {app_datetime["updatedAt"]}
        OR "readAt" IS NOT {app_datetime["readAt"]});

UPDATE property_conversations
SET "createdAt" = {app_datetime["createdAt"]}, "updatedAt" = {app_datetime["updatedAt"]},
    "lastMessageAt" = {app_datetime["lastMessageAt"]}
WHERE id IN (SELECT c.conversation_id FROM v2_backfill.created_conversations AS c)
    AND ("createdAt" IS NOT {app_datetime["createdAt"]}
        OR "updatedAt" IS NOT {app_datetime["updatedAt"]}
        OR "lastMessageAt" IS NOT {app_datetime["lastMessageAt"]});
