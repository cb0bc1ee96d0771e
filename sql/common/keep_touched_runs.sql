-- Keeps of the messages a sync staged around its changes (see touched_run_messages) those of
-- the topic runs the changes touch, placed again, and the context each run needs, read only
-- (stage_runs, written by v2_backfill.scope.keep_touched_runs); the other messages the text
-- rules would read there are dropped from the run. Binds nothing.
DELETE FROM v2_backfill.stage_messages
WHERE is_shared AND property_id IS NULL AND reason IS NULL
    AND legacy_conversation_id IN (
        SELECT c.legacy_conversation_id FROM v2_backfill.stage_messages AS c WHERE c.context_only
    )
    AND message_id NOT IN (SELECT r.message_id FROM v2_backfill.stage_runs AS r);

UPDATE v2_backfill.stage_messages AS s
SET context_only = r.context_only
FROM v2_backfill.stage_runs AS r
WHERE r.message_id = s.message_id AND s.context_only <> r.context_only;
