-- Writes the run's result into staging, not into the app's tables (the "write" of
-- write - audit - publish), from each staged message's outcome (view v2_backfill.outcomes):
-- the migrated messages the rules would now place elsewhere or nowhere (stage_replacements;
-- moved only where the run may replace); every conversation holding or receiving a message of
-- the run, or losing one to a removed legacy deletion (existing ones as they are; missing ones
-- with the deterministic id 'c' || md5('v2-backfill:' || propertyId)[:24] and the property's
-- timeline's agent and client,
-- ARCHIVED when every contributing legacy conversation is inactive); the messages_v2 rows to
-- insert (content from the staged legacy row) and those to change (read state merged so that
-- a read message stays read with its earliest readAt, a legacy content edit unless the new
-- content is no valid text (its MD5 NULL), a move); the
-- quarantine rows that are new or changed (with the segment a reviewer decides them in: the
-- text rules' topic run, else the message alone); and each staged conversation's unread counts and
-- lastMessageAt over the messages it will hold (on SQLite, DateTime cells written by hand as
-- TEXT compared by their instant). Binds :now (a timestamp as the store keeps it). Fills
-- distinct_from, enum_cast, instant (Database.fills).
-- Writes into staging the caller has emptied (v2_backfill.backfill.RESULT_STAGING).
INSERT INTO v2_backfill.stage_replacements (
    legacy_message_id, legacy_conversation_id, from_property_id, from_conversation_id,
    to_property_id, rule, reason, detail, applied
)
SELECT o.message_id, o.legacy_conversation_id, o.prior_property_id, o.v2_conversation_id,
    o.property_id, o.rule, o.reason, o.detail, o.target_property_id <> o.prior_property_id
FROM v2_backfill.outcomes AS o
WHERE o.migrated AND o.property_id {distinct_from} o.prior_property_id;

INSERT INTO v2_backfill.stage_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt", is_new
)
SELECT
    pc.id, pc."propertyId", pc."timelineId", pc."agentId", pc."clientId",
    {enum_cast[pc.status AS TEXT]},
    pc."unreadAgentCount", pc."unreadClientCount", pc."lastMessageAt", pc."createdAt",
    pc."updatedAt", FALSE
FROM property_conversations AS pc
WHERE pc.id IN (
    SELECT o.v2_conversation_id FROM v2_backfill.outcomes AS o WHERE o.migrated
    UNION
    SELECT d.conversation_id FROM v2_backfill.stage_deletions AS d WHERE d.removed
    UNION
    SELECT target.id
    FROM property_conversations AS target
    JOIN v2_backfill.outcomes AS o ON o.target_property_id = target."propertyId"
);

INSERT INTO v2_backfill.stage_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt", is_new
)
SELECT
    'c' || substr(md5('v2-backfill:' || o.target_property_id), 1, 24),
    o.target_property_id,
    t.id,
    t."agentId",
    t."clientId",
    CASE WHEN MAX(CASE WHEN COALESCE(o.conversation_active, TRUE) THEN 1 ELSE 0 END) = 1
        THEN 'ACTIVE' ELSE 'ARCHIVED' END,
    0,
    0,
    NULL,
    MIN(o.created_at),
    :now,
    TRUE
FROM v2_backfill.outcomes AS o
JOIN properties AS p ON p.id = o.target_property_id
JOIN timelines AS t ON t.id = p."timelineId"
WHERE NOT EXISTS (
    SELECT 1 FROM property_conversations AS pc WHERE pc."propertyId" = o.target_property_id
)
GROUP BY o.target_property_id, t.id, t."agentId", t."clientId";

INSERT INTO v2_backfill.stage_v2_messages (
    id, "conversationId", "senderId", "senderType", content, type, "isRead", "readAt",
    "createdAt", "updatedAt", legacy_conversation_id, property_id, rule, content_md5, action,
    content_changed
)
SELECT
    o.message_id, sc.id, o.sender_id, o.sender_type, o.content, 'TEXT', o.is_read, o.read_at,
    o.created_at, o.updated_at, o.legacy_conversation_id, o.target_property_id, o.rule,
    o.content_md5, 'insert', TRUE
FROM v2_backfill.outcomes AS o
JOIN v2_backfill.stage_conversations AS sc ON sc."propertyId" = o.target_property_id
WHERE NOT o.migrated AND o.target_property_id IS NOT NULL;

INSERT INTO v2_backfill.stage_v2_messages (
    id, "conversationId", "senderId", "senderType", content, type, "isRead", "readAt",
    "createdAt", "updatedAt", legacy_conversation_id, property_id, rule, content_md5, action,
    content_changed
)
SELECT
    mv.id,
    CASE WHEN x.moved THEN sc.id ELSE mv."conversationId" END,
    mv."senderId",
    {enum_cast[mv."senderType" AS TEXT]},
    CASE WHEN x.content_changed THEN x.content ELSE mv.content END,
    {enum_cast[mv.type AS TEXT]},
    CASE WHEN mv."isRead" OR x.is_read THEN TRUE ELSE FALSE END,
    CASE
        WHEN x.is_read AND x.read_at IS NOT NULL
            AND (mv."readAt" IS NULL OR x.read_at < mv."readAt") THEN x.read_at
        ELSE mv."readAt"
    END,
    mv."createdAt",
    CASE WHEN x.updated_at > mv."updatedAt" THEN x.updated_at ELSE mv."updatedAt" END,
    x.legacy_conversation_id,
    x.target_property_id,
    CASE WHEN x.moved THEN x.rule ELSE l.rule END,
    CASE WHEN x.content_changed THEN x.content_md5 ELSE COALESCE(l.content_md5, x.content_md5) END,
    CASE WHEN x.moved THEN 'move' ELSE 'update' END,
    x.content_changed
FROM (
    SELECT o.*, o.target_property_id <> o.prior_property_id AS moved,
        o.content_md5 {distinct_from} o.prior_content_md5 AND o.prior_content_md5 IS NOT NULL
            AND o.content_md5 IS NOT NULL AS content_changed
    FROM v2_backfill.outcomes AS o
    WHERE o.migrated
) AS x
JOIN messages_v2 AS mv ON mv.id = x.message_id
JOIN v2_backfill.lineage AS l ON l.legacy_message_id = x.message_id
JOIN v2_backfill.stage_conversations AS sc ON sc."propertyId" = x.target_property_id
WHERE x.moved OR x.content_changed
    OR (x.is_read AND NOT mv."isRead")
    OR (x.is_read AND x.read_at < mv."readAt")
    OR (x.is_read AND x.read_at IS NOT NULL AND mv."readAt" IS NULL);

INSERT INTO v2_backfill.stage_quarantine (
    legacy_message_id, legacy_conversation_id, reason, detail, segment
)
SELECT o.message_id, o.legacy_conversation_id, o.reason, o.detail,
    COALESCE(a.segment, o.message_id)
FROM v2_backfill.outcomes AS o
LEFT JOIN v2_backfill.quarantine AS q ON q.legacy_message_id = o.message_id
LEFT JOIN v2_backfill.stage_attribution AS a ON a.message_id = o.message_id
WHERE o.target_property_id IS NULL
    AND (q.legacy_message_id IS NULL OR q.reason {distinct_from} o.reason
        OR q.detail {distinct_from} o.detail
        OR q.segment {distinct_from} COALESCE(a.segment, o.message_id));

WITH delivered AS (
    SELECT mv."conversationId" AS conversation_id,
        {enum_cast[mv."senderType" AS TEXT]} AS sender_type,
        mv."isRead" AS is_read, mv."createdAt" AS created_at
    FROM messages_v2 AS mv
    WHERE mv."conversationId" IN (SELECT sc.id FROM v2_backfill.stage_conversations AS sc)
        AND NOT EXISTS (SELECT 1 FROM v2_backfill.stage_v2_messages AS sm WHERE sm.id = mv.id)
        AND NOT EXISTS (
            SELECT 1 FROM v2_backfill.stage_deletions AS d
            WHERE d.removed AND d.legacy_message_id = mv.id
        )
    UNION ALL
    SELECT sm."conversationId", sm."senderType", sm."isRead", sm."createdAt"
    FROM v2_backfill.stage_v2_messages AS sm
),
totals AS (
    SELECT
        sc.id,
        SUM(CASE WHEN d.sender_type = 'CLIENT' AND NOT d.is_read THEN 1 ELSE 0 END)
            AS unread_agent,
        SUM(CASE WHEN d.sender_type = 'AGENT' AND NOT d.is_read THEN 1 ELSE 0 END)
            AS unread_client,
        MAX({instant[d.created_at]}) AS newest,
        {instant[sc."lastMessageAt"]} AS current_last
    FROM v2_backfill.stage_conversations AS sc
    LEFT JOIN delivered AS d ON d.conversation_id = sc.id
    GROUP BY sc.id
)
UPDATE v2_backfill.stage_conversations AS sc
SET
    "unreadAgentCount" = t.unread_agent,
    "unreadClientCount" = t.unread_client,
    "lastMessageAt" = CASE WHEN t.current_last IS NULL OR t.current_last < t.newest
        THEN t.newest ELSE sc."lastMessageAt" END
FROM totals AS t
WHERE t.id = sc.id;
