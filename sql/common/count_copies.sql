-- Counts the legacy messages the staged result copies into messages_v2 (new rows). Binds
-- nothing.
SELECT COUNT(*) AS messages FROM v2_backfill.stage_v2_messages WHERE action = 'insert';
