-- The review queue: every quarantined legacy message with no reviewer decision yet, with its
-- legacy conversation's timeline, its segment (the topic run the text rules saw; the message
-- alone when none is recorded), reason and detail, when and by whom it was sent, and its
-- content (none for content quarantined for its type or encoding, never read), in thread
-- order. Binds nothing. Fills instant (Database.fills).
SELECT q.legacy_message_id AS message_id, q.legacy_conversation_id,
    c."timelineId" AS timeline_id, COALESCE(q.segment, q.legacy_message_id) AS segment,
    q.reason, q.detail, {instant[m."createdAt"]} AS sent_at, m."senderType" AS sender_type,
    CASE WHEN q.reason IN ('invalid_content_type', 'invalid_content_encoding') THEN NULL
        ELSE m.content END AS content
FROM v2_backfill.quarantine AS q
LEFT JOIN messages AS m ON m.id = q.legacy_message_id
LEFT JOIN conversations AS c ON c.id = q.legacy_conversation_id
WHERE NOT EXISTS (
    SELECT 1 FROM v2_backfill.decisions AS d WHERE d.legacy_message_id = q.legacy_message_id
)
ORDER BY c."timelineId", q.legacy_conversation_id, sent_at, q.legacy_message_id;
