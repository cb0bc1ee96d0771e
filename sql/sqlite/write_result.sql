-- Writes the run's result into staging, not into the app's tables (the "write" of
-- write - audit - publish): the conversations that will receive messages (existing ones as
-- they are, missing ones with the deterministic id 'c' || md5('v2-backfill:' || propertyId)[:24]
-- and the property's timeline's agent and client, ARCHIVED when every contributing legacy
-- conversation is inactive), the V2 rows of every placed message not yet migrated (content
-- straight from the legacy row; timestamps INTEGER epoch ms), the quarantine, and each staged
-- conversation's unread counts and lastMessageAt over its existing and staged messages.
-- Binds :now (epoch ms).
DELETE FROM v2_backfill.stage_conversations;

DELETE FROM v2_backfill.stage_v2_messages;

DELETE FROM v2_backfill.stage_quarantine;

INSERT INTO v2_backfill.stage_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt", is_new
)
SELECT
    pc.id, pc."propertyId", pc."timelineId", pc."agentId", pc."clientId", pc.status,
    pc."unreadAgentCount", pc."unreadClientCount", pc."lastMessageAt", pc."createdAt",
    pc."updatedAt", 0
FROM property_conversations AS pc
WHERE pc."propertyId" IN (
    SELECT s.property_id FROM v2_backfill.stage_messages AS s
    WHERE s.property_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = s.message_id
        )
);

INSERT INTO v2_backfill.stage_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt", is_new
)
SELECT
    'c' || substr(md5('v2-backfill:' || s.property_id), 1, 24),
    s.property_id,
    t.id,
    t."agentId",
    t."clientId",
    CASE WHEN MAX(COALESCE(s.conversation_active, 1)) THEN 'ACTIVE' ELSE 'ARCHIVED' END,
    0,
    0,
    NULL,
    MIN(s.created_at),
    :now,
    1
FROM v2_backfill.stage_messages AS s
JOIN properties AS p ON p.id = s.property_id
JOIN timelines AS t ON t.id = p."timelineId"
WHERE s.property_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = s.message_id)
    AND NOT EXISTS (SELECT 1 FROM property_conversations AS pc WHERE pc."propertyId" = s.property_id)
GROUP BY s.property_id, t.id, t."agentId", t."clientId";

INSERT INTO v2_backfill.stage_v2_messages (
    id, "conversationId", "senderId", "senderType", content, type,
    "isRead", "readAt", "createdAt", "updatedAt", legacy_conversation_id, property_id, rule
)
SELECT
    s.message_id, sc.id, s.sender_id, s.sender_type, m.content, 'TEXT',
    s.is_read, s.read_at, s.created_at, s.updated_at, s.legacy_conversation_id, s.property_id,
    s.rule
FROM v2_backfill.stage_messages AS s
JOIN v2_backfill.stage_conversations AS sc ON sc."propertyId" = s.property_id
JOIN messages AS m ON m.id = s.message_id
WHERE s.property_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = s.message_id);

INSERT INTO v2_backfill.stage_quarantine (legacy_message_id, legacy_conversation_id, reason, detail)
SELECT s.message_id, s.legacy_conversation_id, s.reason, s.detail
FROM v2_backfill.stage_messages AS s
WHERE s.reason IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = s.message_id);

WITH delivered AS (
    SELECT mv."conversationId" AS conversation_id, mv."senderType" AS sender_type,
        mv."isRead" AS is_read, mv."createdAt" AS created_at
    FROM messages_v2 AS mv
    WHERE mv."conversationId" IN (SELECT sc.id FROM v2_backfill.stage_conversations AS sc)
    UNION ALL
    SELECT sm."conversationId", sm."senderType", sm."isRead", sm."createdAt"
    FROM v2_backfill.stage_v2_messages AS sm
),
totals AS (
    SELECT
        conversation_id,
        SUM(CASE WHEN sender_type = 'CLIENT' AND NOT is_read THEN 1 ELSE 0 END) AS unread_agent,
        SUM(CASE WHEN sender_type = 'AGENT' AND NOT is_read THEN 1 ELSE 0 END) AS unread_client,
        MAX(CASE typeof(created_at)
            WHEN 'text' THEN CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER)
            ELSE CAST(created_at AS INTEGER)
        END) AS newest
    FROM delivered
    GROUP BY conversation_id
)
UPDATE v2_backfill.stage_conversations AS sc
SET
    "unreadAgentCount" = t.unread_agent,
    "unreadClientCount" = t.unread_client,
    "lastMessageAt" = CASE WHEN sc."lastMessageAt" IS NULL OR CASE typeof(sc."lastMessageAt")
            WHEN 'text' THEN CAST(ROUND((julianday(sc."lastMessageAt") - 2440587.5) * 86400000.0) AS INTEGER)
            ELSE sc."lastMessageAt"
        END < t.newest THEN t.newest ELSE sc."lastMessageAt" END,
    "updatedAt" = :now
FROM totals AS t
WHERE t.conversation_id = sc.id;
