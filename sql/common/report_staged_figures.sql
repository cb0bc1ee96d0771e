-- What a run is about to publish, from staging. Binds nothing.
SELECT
    (SELECT COUNT(*) FROM v2_backfill.stage_v2_messages) AS messages_copied,
    (SELECT COUNT(*) FROM v2_backfill.lineage) AS messages_already_migrated,
    (SELECT COUNT(*) FROM v2_backfill.stage_conversations WHERE is_new) AS conversations_created,
    (
        SELECT COUNT(*) FROM v2_backfill.stage_conversations WHERE NOT is_new
    ) AS conversations_reused;
