-- After a backfill has published and summarized: empties the staging that holds a row per
-- legacy message (the messages as read, the text rules' results, the V2 rows and quarantine
-- it published), so that it does not linger in the sidecar and the next sync does not pay for
-- clearing it. Binds nothing.
DELETE FROM v2_backfill.stage_scope;

DELETE FROM v2_backfill.stage_messages;

DELETE FROM v2_backfill.stage_attribution;

DELETE FROM v2_backfill.stage_conversations;

DELETE FROM v2_backfill.stage_v2_messages;

DELETE FROM v2_backfill.stage_quarantine;
