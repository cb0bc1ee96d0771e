-- Drops the staging tables and views of an older layout, for create_bookkeeping to make them
-- anew: every run rebuilds staging anyway, nothing recorded is in them. Binds nothing.
DROP VIEW IF EXISTS v2_backfill.outcomes, v2_backfill.slice_messages;

DROP TABLE IF EXISTS v2_backfill.stage_options, v2_backfill.stage_scope,
    v2_backfill.stage_messages, v2_backfill.stage_attribution, v2_backfill.stage_conversations,
    v2_backfill.stage_v2_messages, v2_backfill.stage_quarantine, v2_backfill.stage_replacements,
    v2_backfill.stage_context, v2_backfill.stage_watermarks, v2_backfill.stage_deletions,
    v2_backfill.stage_legacy_checksums, v2_backfill.stage_properties, v2_backfill.stage_activity;
