-- What a run is about to publish, from staging. Binds nothing.
SELECT
    (SELECT COUNT(*) FROM v2_backfill.stage_v2_messages WHERE action = 'insert') AS messages_copied,
    (SELECT COUNT(*) FROM v2_backfill.stage_v2_messages WHERE action <> 'insert')
        AS messages_updated,
    (SELECT COUNT(*) FROM v2_backfill.outcomes WHERE migrated) AS messages_already_migrated,
    (SELECT COUNT(*) FROM v2_backfill.stage_conversations WHERE is_new) AS conversations_created,
    (
        SELECT COUNT(*) FROM v2_backfill.stage_conversations AS sc
        WHERE NOT sc.is_new AND sc.id IN (
            SELECT sm."conversationId" FROM v2_backfill.stage_v2_messages AS sm
            WHERE sm.action = 'insert'
        )
    ) AS conversations_reused,
    (SELECT COUNT(*) FROM v2_backfill.stage_replacements) AS replacements_found,
    (SELECT COUNT(*) FROM v2_backfill.stage_replacements WHERE applied) AS replacements_applied;
