-- What `review apply` checks a decisions file against: every quarantined legacy message (its
-- timeline, segment and reason) and every migrated one (its timeline, property and rule),
-- with the reviewer's decision (and the segment it was decided in) and audit label already
-- stored for it. Binds nothing.
SELECT q.legacy_message_id AS message_id, c."timelineId" AS timeline_id,
    COALESCE(q.segment, q.legacy_message_id) AS segment, q.reason, NULL AS property_id,
    NULL AS rule, d.legacy_message_id IS NOT NULL AS decided, d.property_id AS decided_property,
    NULL AS label
FROM v2_backfill.quarantine AS q
LEFT JOIN conversations AS c ON c.id = q.legacy_conversation_id
LEFT JOIN v2_backfill.decisions AS d ON d.legacy_message_id = q.legacy_message_id
UNION ALL
SELECT l.legacy_message_id, c."timelineId", d.segment, NULL, l.property_id, l.rule,
    d.legacy_message_id IS NOT NULL, d.property_id, a.label
FROM v2_backfill.lineage AS l
LEFT JOIN conversations AS c ON c.id = l.legacy_conversation_id
LEFT JOIN v2_backfill.decisions AS d ON d.legacy_message_id = l.legacy_message_id
LEFT JOIN v2_backfill.audit_labels AS a ON a.legacy_message_id = l.legacy_message_id;
