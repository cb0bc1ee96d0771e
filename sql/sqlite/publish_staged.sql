-- Publishes the audited staging into the V2 tables (the "publish" of write - audit - publish;
-- run in one transaction). A conversation the live app inserted meanwhile wins (ON CONFLICT
-- DO NOTHING) and messages follow their property's actual conversation; the ids of the
-- conversations this run created are recorded, then the messages, their lineage, the
-- quarantine, and the staged counts. Binds :run_id.
INSERT INTO property_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt"
)
SELECT
    sc.id, sc."propertyId", sc."timelineId", sc."agentId", sc."clientId", sc.status,
    sc."unreadAgentCount", sc."unreadClientCount", sc."lastMessageAt", sc."createdAt",
    sc."updatedAt"
FROM v2_backfill.stage_conversations AS sc
WHERE sc.is_new
ON CONFLICT ("propertyId") DO NOTHING;

INSERT INTO v2_backfill.created_conversations (conversation_id, property_id, run_id)
SELECT sc.id, sc."propertyId", :run_id
FROM v2_backfill.stage_conversations AS sc
JOIN property_conversations AS pc ON pc.id = sc.id
WHERE sc.is_new
ON CONFLICT (conversation_id) DO NOTHING;

UPDATE property_conversations AS pc
SET
    "unreadAgentCount" = sc."unreadAgentCount",
    "unreadClientCount" = sc."unreadClientCount",
    "lastMessageAt" = sc."lastMessageAt",
    "updatedAt" = sc."updatedAt"
FROM v2_backfill.stage_conversations AS sc
WHERE sc.id = pc.id
    AND NOT sc.is_new
    AND (
        pc."unreadAgentCount" IS NOT sc."unreadAgentCount"
        OR pc."unreadClientCount" IS NOT sc."unreadClientCount"
        OR pc."lastMessageAt" IS NOT sc."lastMessageAt"
    );

INSERT INTO messages_v2 (
    id, "conversationId", "senderId", "senderType", content, type,
    "isRead", "readAt", "createdAt", "updatedAt"
)
SELECT
    sm.id, pc.id, sm."senderId", sm."senderType", sm.content, sm.type,
    sm."isRead", sm."readAt", sm."createdAt", sm."updatedAt"
FROM v2_backfill.stage_v2_messages AS sm
JOIN property_conversations AS pc ON pc."propertyId" = sm.property_id
WHERE TRUE
ON CONFLICT (id) DO NOTHING;

INSERT INTO v2_backfill.lineage (
    legacy_message_id, legacy_conversation_id, conversation_id, property_id, rule, run_id
)
SELECT sm.id, sm.legacy_conversation_id, pc.id, sm.property_id, sm.rule, :run_id
FROM v2_backfill.stage_v2_messages AS sm
JOIN property_conversations AS pc ON pc."propertyId" = sm.property_id
WHERE TRUE
ON CONFLICT (legacy_message_id) DO NOTHING;

INSERT INTO v2_backfill.quarantine (legacy_message_id, legacy_conversation_id, reason, detail, run_id)
SELECT sq.legacy_message_id, sq.legacy_conversation_id, sq.reason, sq.detail, :run_id
FROM v2_backfill.stage_quarantine AS sq
WHERE TRUE
ON CONFLICT (legacy_message_id) DO UPDATE
SET reason = excluded.reason, detail = excluded.detail, run_id = excluded.run_id
WHERE quarantine.reason IS NOT excluded.reason OR quarantine.detail IS NOT excluded.detail;

DELETE FROM v2_backfill.quarantine
WHERE legacy_message_id IN (
    SELECT l.legacy_message_id FROM v2_backfill.lineage AS l WHERE l.run_id = :run_id
);
