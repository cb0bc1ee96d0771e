-- Records, in the staging snapshot, the cursor of the newest row of the legacy table that
-- placeholder legacy_table names (one of those a sync reads changes from,
-- v2_backfill.scope.SYNCED_TABLES): (updatedAt, id) of the row updated last, ties broken by
-- the greatest id in byte order; on SQLite, DateTime cells written by hand as TEXT count by
-- their instant. Binds nothing. Fills instant, bytewise (Database.fills).
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_watermarks (table_name, updated_at, row_id)
SELECT '{legacy_table}', {instant[t."updatedAt"]} AS updated_at, t.id
FROM {legacy_table} AS t
ORDER BY updated_at DESC, t.id{bytewise} DESC
LIMIT 1;
