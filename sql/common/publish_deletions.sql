-- Removes, in the publishing transaction, what the pipeline made of the legacy messages a
-- reconciling sync found deleted and may remove (stage_deletions.removed): their messages_v2
-- rows (only ids in the lineage: rows the pipeline created), the conversations the pipeline
-- created that then hold no message and no notification, and their lineage, quarantine and
-- replacement rows. A no-op for any other run. Binds nothing.
DELETE FROM messages_v2
WHERE id IN (
    SELECT d.legacy_message_id FROM v2_backfill.stage_deletions AS d
    JOIN v2_backfill.lineage AS l ON l.legacy_message_id = d.legacy_message_id
    WHERE d.removed
);

DELETE FROM property_conversations
WHERE id IN (
    SELECT d.conversation_id FROM v2_backfill.stage_deletions AS d
    JOIN v2_backfill.created_conversations AS c ON c.conversation_id = d.conversation_id
    WHERE d.removed
)
    AND NOT EXISTS (
        SELECT 1 FROM messages_v2 AS mv WHERE mv."conversationId" = property_conversations.id
    )
    AND NOT EXISTS (
        SELECT 1 FROM notifications_v2 AS n WHERE n."conversationId" = property_conversations.id
    );

DELETE FROM v2_backfill.created_conversations
WHERE conversation_id IN (
    SELECT d.conversation_id FROM v2_backfill.stage_deletions AS d WHERE d.removed
)
    AND NOT EXISTS (
        SELECT 1 FROM property_conversations AS pc
        WHERE pc.id = created_conversations.conversation_id
    );

DELETE FROM v2_backfill.lineage
WHERE legacy_message_id IN (
    SELECT d.legacy_message_id FROM v2_backfill.stage_deletions AS d WHERE d.removed
);

DELETE FROM v2_backfill.quarantine
WHERE legacy_message_id IN (
    SELECT d.legacy_message_id FROM v2_backfill.stage_deletions AS d WHERE d.removed
);

DELETE FROM v2_backfill.replacements
WHERE legacy_message_id IN (
    SELECT d.legacy_message_id FROM v2_backfill.stage_deletions AS d WHERE d.removed
);
