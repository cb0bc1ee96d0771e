-- The messages of the legacy conversations holding an undecided quarantined message, in
-- thread order, for the review page's thread around each segment: id, conversation, when,
-- sender type, content (none for content quarantined for its type or encoding). Binds
-- nothing. Fills instant (Database.fills).
SELECT m.id AS message_id, m."conversationId" AS legacy_conversation_id,
    {instant[m."createdAt"]} AS sent_at, m."senderType" AS sender_type,
    CASE WHEN q.reason IN ('invalid_content_type', 'invalid_content_encoding') THEN NULL
        ELSE m.content END AS content
FROM messages AS m
LEFT JOIN v2_backfill.quarantine AS q ON q.legacy_message_id = m.id
WHERE m."conversationId" IN (
    SELECT qq.legacy_conversation_id FROM v2_backfill.quarantine AS qq
    WHERE NOT EXISTS (
        SELECT 1 FROM v2_backfill.decisions AS d
        WHERE d.legacy_message_id = qq.legacy_message_id
    )
)
ORDER BY m."conversationId", sent_at, m.id;
