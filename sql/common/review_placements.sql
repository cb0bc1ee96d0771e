-- The heuristic placements (lineage rows of a rule that is not deterministic: neither the
-- conversation's own property, nor a single-property timeline, nor a reviewer's) not yet
-- labelled, the audit sample's population: message, rule, confidence, property, timeline,
-- when and by whom it was sent. Binds nothing. Fills instant (Database.fills).
SELECT l.legacy_message_id AS message_id, l.rule, l.confidence, l.property_id,
    c."timelineId" AS timeline_id, {instant[m."createdAt"]} AS sent_at,
    m."senderType" AS sender_type
FROM v2_backfill.lineage AS l
JOIN messages AS m ON m.id = l.legacy_message_id
LEFT JOIN conversations AS c ON c.id = l.legacy_conversation_id
WHERE l.rule NOT IN ('conversation_property', 'single_property_timeline', 'reviewer')
    AND NOT EXISTS (
        SELECT 1 FROM v2_backfill.audit_labels AS a
        WHERE a.legacy_message_id = l.legacy_message_id
    )
ORDER BY l.legacy_message_id;
