-- Copies the staged, placed messages not yet migrated into messages_v2 (content straight from
-- the legacy row, byte for byte; id = legacy id; timestamps TIMESTAMP(3)), then records
-- their lineage. Binds :run_id.
INSERT INTO messages_v2 (
    id, "conversationId", "senderId", "senderType", content, type,
    "isRead", "readAt", "createdAt", "updatedAt"
)
SELECT
    s.message_id, pc.id, s.sender_id, CAST(s.sender_type AS "UserType"), m.content, 'TEXT',
    s.is_read, s.read_at, s.created_at, s.updated_at
FROM v2_backfill.stage_messages AS s
JOIN property_conversations AS pc ON pc."propertyId" = s.property_id
JOIN messages AS m ON m.id = s.message_id
WHERE s.property_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = s.message_id)
ON CONFLICT (id) DO NOTHING;

INSERT INTO v2_backfill.lineage (
    legacy_message_id, legacy_conversation_id, conversation_id, property_id, rule, run_id
)
SELECT s.message_id, s.legacy_conversation_id, pc.id, s.property_id, s.rule, :run_id
FROM v2_backfill.stage_messages AS s
JOIN property_conversations AS pc ON pc."propertyId" = s.property_id
WHERE s.property_id IS NOT NULL
ON CONFLICT (legacy_message_id) DO NOTHING;
