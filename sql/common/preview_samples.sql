-- Up to :per_group examples of each rule, reason and new conversation of a staged result:
-- the message (or conversation), its legacy conversation, the property and its address, and
-- the start of the text (none where the content is not valid text, which the staging's first
-- reasons say). Binds :per_group.
WITH samples AS (
    SELECT 'copy' AS kind, sm.rule AS name, sm.id AS id, sm.legacy_conversation_id,
        sm.property_id, substr(sm.content, 1, 80) AS excerpt,
        ROW_NUMBER() OVER (PARTITION BY sm.rule ORDER BY sm.id) AS position
    FROM v2_backfill.stage_v2_messages AS sm
    UNION ALL
    SELECT 'quarantine', sq.reason, sq.legacy_message_id, sq.legacy_conversation_id, NULL,
        CASE WHEN sq.reason NOT IN ('invalid_content_type', 'invalid_content_encoding')
            THEN substr(m.content, 1, 80) END,
        ROW_NUMBER() OVER (PARTITION BY sq.reason ORDER BY sq.legacy_message_id)
    FROM v2_backfill.stage_quarantine AS sq
    LEFT JOIN messages AS m ON m.id = sq.legacy_message_id
    UNION ALL
    SELECT 'conversation', 'create', sc.id, NULL, sc."propertyId", sc.status,
        ROW_NUMBER() OVER (ORDER BY sc.id)
    FROM v2_backfill.stage_conversations AS sc
    WHERE sc.is_new
)
SELECT s.kind, s.name, s.id, s.legacy_conversation_id, s.property_id, p.address, s.excerpt
FROM samples AS s
LEFT JOIN properties AS p ON p.id = s.property_id
WHERE s.position <= :per_group
ORDER BY s.kind, s.name, s.id;
