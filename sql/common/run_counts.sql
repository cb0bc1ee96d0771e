-- The figures of a run's summary, from staging and bookkeeping, after publishing.
-- Binds :run_id.
SELECT
    (SELECT COUNT(*) FROM v2_backfill.slice_messages) AS legacy_messages,
    (SELECT COUNT(*) FROM v2_backfill.lineage AS l WHERE l.run_id = :run_id) AS messages_copied,
    (
        SELECT COUNT(*) FROM v2_backfill.slice_messages AS s
        JOIN v2_backfill.lineage AS l ON l.legacy_message_id = s.message_id
        WHERE l.run_id <> :run_id
    ) AS already_migrated,
    (
        SELECT COUNT(*) FROM v2_backfill.stage_v2_messages AS sm WHERE sm.action <> 'insert'
    ) AS messages_updated,
    (
        SELECT COUNT(*) FROM v2_backfill.created_conversations AS c WHERE c.run_id = :run_id
    ) AS conversations_created,
    (
        SELECT COUNT(DISTINCT l.conversation_id) FROM v2_backfill.lineage AS l
        WHERE l.run_id = :run_id
    ) AS conversations_receiving,
    (SELECT COUNT(*) FROM v2_backfill.stage_replacements) AS replacements_found,
    (SELECT COUNT(*) FROM v2_backfill.stage_replacements WHERE applied) AS replacements_applied;
