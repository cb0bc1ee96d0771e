-- Counts, for the check that every staged legacy message is placed exactly once, how each is
-- placed by id: migrated (lineage, with its messages_v2 row) or quarantined, never both, never
-- neither. Run inside the publishing transaction, after the writes. Binds nothing.
SELECT
    COUNT(*) AS staged,
    COALESCE(SUM(CASE WHEN l.legacy_message_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS migrated,
    COALESCE(SUM(CASE WHEN q.legacy_message_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS quarantined,
    COALESCE(SUM(CASE WHEN l.legacy_message_id IS NOT NULL
        AND q.legacy_message_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS in_both,
    COALESCE(SUM(CASE WHEN l.legacy_message_id IS NOT NULL
        AND mv.id IS NULL THEN 1 ELSE 0 END), 0) AS migrated_without_row
FROM v2_backfill.slice_messages AS s
LEFT JOIN v2_backfill.lineage AS l ON l.legacy_message_id = s.message_id
LEFT JOIN v2_backfill.quarantine AS q ON q.legacy_message_id = s.message_id
LEFT JOIN messages_v2 AS mv ON mv.id = l.legacy_message_id;
