-- Whether the staging holds changes to messages the V2 tables already hold (a move or an
-- update: publish_changes publishes them). Binds nothing.
SELECT EXISTS (
    SELECT 1 FROM v2_backfill.stage_v2_messages AS sm WHERE sm.action <> 'insert'
) AS changes;
