-- Streams, for v2_backfill.scope.keep_touched_runs, the staged messages the text rules would
-- read (shared, no set-based placement, no reason) of the shared conversations a sync staged
-- around its changes (those holding a context_only row, see scope_changes), in thread order
-- (conversation, time, id; ids in byte order), each with whether it is a change
-- (context_only false). Binds nothing. Fills bytewise (Database.fills).
SELECT s.legacy_conversation_id, s.message_id, s.created_at, NOT s.context_only AS changed
FROM v2_backfill.stage_messages AS s
WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
    AND s.legacy_conversation_id IN (
        SELECT c.legacy_conversation_id FROM v2_backfill.stage_messages AS c WHERE c.context_only
    )
ORDER BY s.legacy_conversation_id{bytewise}, s.created_at, s.message_id{bytewise};
