-- A reconciling sync's hard-delete findings, in the staging snapshot: the migrated messages
-- (with the conversation holding their messages_v2 row, if it is still there) and the
-- quarantined ones whose legacy row no longer exists, e.g. gone with a deleted client or
-- property. Binds :remove (whether the run removes what the pipeline made of them).
INSERT INTO v2_backfill.stage_deletions (
    legacy_message_id, legacy_conversation_id, conversation_id, kind, removed
)
SELECT l.legacy_message_id, l.legacy_conversation_id, mv."conversationId", 'migrated', :remove
FROM v2_backfill.lineage AS l
LEFT JOIN messages_v2 AS mv ON mv.id = l.legacy_message_id
WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.id = l.legacy_message_id)
UNION ALL
SELECT q.legacy_message_id, q.legacy_conversation_id, NULL, 'quarantined', :remove
FROM v2_backfill.quarantine AS q
WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.id = q.legacy_message_id);
