-- Up to :per_group examples of each rule, reason and new conversation of a staged result:
-- the message (or conversation), its legacy conversation, the property and its address, and
-- the start of the text (none where the content is not valid text, which the staging's first
-- reasons say); for a text rule's placement its confidence and deciding evidence
-- (stage_attribution), for a quarantine its detail (a low_confidence one names the best
-- candidate). Binds :per_group.
WITH samples AS (
    SELECT 'copy' AS kind, sm.rule AS name, sm.id AS id, sm.legacy_conversation_id,
        sm.property_id, substr(sm.content, 1, 80) AS excerpt, a.confidence, a.evidence,
        CAST(NULL AS TEXT) AS detail,
        ROW_NUMBER() OVER (PARTITION BY sm.rule ORDER BY sm.id) AS position
    FROM v2_backfill.stage_v2_messages AS sm
    LEFT JOIN v2_backfill.stage_attribution AS a ON a.message_id = sm.id
    UNION ALL
    SELECT 'quarantine', sq.reason, sq.legacy_message_id, sq.legacy_conversation_id, NULL,
        CASE WHEN sq.reason NOT IN ('invalid_content_type', 'invalid_content_encoding')
            THEN substr(m.content, 1, 80) END,
        NULL, NULL, sq.detail,
        ROW_NUMBER() OVER (PARTITION BY sq.reason ORDER BY sq.legacy_message_id)
    FROM v2_backfill.stage_quarantine AS sq
    LEFT JOIN messages AS m ON m.id = sq.legacy_message_id
    UNION ALL
    SELECT 'conversation', 'create', sc.id, NULL, sc."propertyId", sc.status, NULL, NULL, NULL,
        ROW_NUMBER() OVER (ORDER BY sc.id)
    FROM v2_backfill.stage_conversations AS sc
    WHERE sc.is_new
)
SELECT s.kind, s.name, s.id, s.legacy_conversation_id, s.property_id, p.address, s.excerpt,
    s.confidence, s.evidence, s.detail
FROM samples AS s
LEFT JOIN properties AS p ON p.id = s.property_id
WHERE s.position <= :per_group
ORDER BY s.kind, s.name, s.id;
