-- Brings a bookkeeping store of the first layout (its lineage without content_md5) to the
-- current one: the lineage gains content_md5 (NULL: not recorded), and the
-- staging tables, rebuilt by every run anyway, are dropped so create_bookkeeping makes them
-- anew. Nothing recorded is lost. Binds nothing.
ALTER TABLE v2_backfill.lineage ADD COLUMN content_md5 TEXT;

DROP VIEW IF EXISTS v2_backfill.outcomes;

DROP TABLE IF EXISTS v2_backfill.stage_messages;

DROP TABLE IF EXISTS v2_backfill.stage_attribution;

DROP TABLE IF EXISTS v2_backfill.stage_conversations;

DROP TABLE IF EXISTS v2_backfill.stage_v2_messages;

DROP TABLE IF EXISTS v2_backfill.stage_quarantine;
