-- The quarantined messages with the context a reviewer needs to find them (legacy
-- conversation, sender type, time, the start of the text: none where the content is not
-- valid text, which the staging's first reasons say). Binds :limit.
SELECT q.legacy_message_id, q.legacy_conversation_id, q.reason, q.detail,
    m."senderType" AS sender_type, m."createdAt" AS created_at,
    CASE WHEN q.reason NOT IN ('invalid_content_type', 'invalid_content_encoding')
        THEN substr(m.content, 1, 120) END AS excerpt
FROM {quarantine} AS q
LEFT JOIN messages AS m ON m.id = q.legacy_message_id
ORDER BY q.reason, q.legacy_conversation_id, q.legacy_message_id
LIMIT :limit;
