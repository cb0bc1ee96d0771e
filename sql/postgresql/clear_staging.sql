-- After a backfill has published and summarized: empties the staging that holds a row per
-- legacy message (the messages as read, the text rules' results, the V2 rows and quarantine
-- it published), so that it does not linger in the store and the next sync does not pay for
-- clearing it. Binds nothing.
TRUNCATE v2_backfill.stage_scope, v2_backfill.stage_messages, v2_backfill.stage_attribution,
    v2_backfill.stage_conversations, v2_backfill.stage_v2_messages, v2_backfill.stage_quarantine;
