-- Drops the staging tables and views of an older layout, for create_bookkeeping to make them
-- anew: every run rebuilds staging anyway, nothing recorded is in them. Binds nothing.
DROP VIEW IF EXISTS v2_backfill.outcomes;

DROP VIEW IF EXISTS v2_backfill.slice_messages;

DROP TABLE IF EXISTS v2_backfill.stage_options;

DROP TABLE IF EXISTS v2_backfill.stage_scope;

DROP TABLE IF EXISTS v2_backfill.stage_runs;

DROP TABLE IF EXISTS v2_backfill.stage_messages;

DROP TABLE IF EXISTS v2_backfill.stage_attribution;

DROP TABLE IF EXISTS v2_backfill.stage_conversations;

DROP TABLE IF EXISTS v2_backfill.stage_v2_messages;

DROP TABLE IF EXISTS v2_backfill.stage_quarantine;

DROP TABLE IF EXISTS v2_backfill.stage_replacements;

DROP TABLE IF EXISTS v2_backfill.stage_context;

DROP TABLE IF EXISTS v2_backfill.stage_watermarks;

DROP TABLE IF EXISTS v2_backfill.stage_properties;

DROP TABLE IF EXISTS v2_backfill.stage_activity;

DROP TABLE IF EXISTS v2_backfill.stage_deletions;

DROP TABLE IF EXISTS v2_backfill.stage_legacy_checksums;
