-- Folds the text rules' results (loaded into stage_attribution) into the staged messages.
-- Binds nothing.
UPDATE v2_backfill.stage_messages AS s
SET property_id = a.property_id, rule = a.rule, reason = a.reason, detail = a.detail
FROM v2_backfill.stage_attribution AS a
WHERE a.message_id = s.message_id;
