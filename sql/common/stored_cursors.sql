-- The cursors the latest successful run stored, one per legacy table it read (none before the
-- first publish). Binds nothing.
SELECT table_name, updated_at, row_id FROM v2_backfill.watermarks;
