-- Materializes the slice a sync's audit reads into the emptied tables v2_backfill.audit_*,
-- from the staged result and the live V2 tables as they would be after publishing.
-- Placeholders {lineage}, {quarantine} and {messages}: the slice's relations
-- (expectations.slice_relations). Binds nothing.
INSERT INTO v2_backfill.audit_lineage (
    legacy_message_id, legacy_conversation_id, conversation_id, property_id, rule
)
SELECT l.legacy_message_id, l.legacy_conversation_id, l.conversation_id, l.property_id, l.rule
FROM {lineage} AS l;

INSERT INTO v2_backfill.audit_quarantine (legacy_message_id, legacy_conversation_id, reason, detail)
SELECT q.legacy_message_id, q.legacy_conversation_id, q.reason, q.detail
FROM {quarantine} AS q;

INSERT INTO v2_backfill.audit_messages (
    id, "conversationId", "senderId", "senderType", content, type, "isRead", "readAt",
    "createdAt", "updatedAt"
)
SELECT m.id, m."conversationId", m."senderId", m."senderType", m.content, m.type, m."isRead",
    m."readAt", m."createdAt", m."updatedAt"
FROM {messages} AS m;
