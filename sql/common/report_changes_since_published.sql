-- What the app changed in legacy messages after the last published run's snapshot, which
-- `validate` leaves to the next sync: new messages (neither migrated nor quarantined, and
-- recent), changed ones (migrated or quarantined, and recent) and deleted ones (migrated or
-- quarantined, no longer in legacy); and the V2 app's own edits of migrated messages, which
-- every run keeps (the content no longer hashes to the lineage's content MD5, the content
-- the pipeline last copied). Placeholder recent: the condition on legacy message m
-- (v2_backfill.quality.gate.recent_legacy). Binds nothing.
SELECT
    (
        SELECT COUNT(*) FROM messages AS m
        WHERE ({recent})
            AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = m.id)
            AND NOT EXISTS (
                SELECT 1 FROM v2_backfill.quarantine AS q WHERE q.legacy_message_id = m.id
            )
    ) AS new_messages,
    (
        SELECT COUNT(*) FROM messages AS m
        WHERE ({recent})
            AND (
                EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = m.id)
                OR EXISTS (
                    SELECT 1 FROM v2_backfill.quarantine AS q WHERE q.legacy_message_id = m.id
                )
            )
    ) AS changed_messages,
    (
        SELECT COUNT(*) FROM (
            SELECT l.legacy_message_id FROM v2_backfill.lineage AS l
            UNION ALL
            SELECT q.legacy_message_id FROM v2_backfill.quarantine AS q
        ) AS placed
        WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.id = placed.legacy_message_id)
    ) AS deleted_messages,
    (
        SELECT COUNT(*) FROM messages_v2 AS w
        JOIN v2_backfill.lineage AS l ON l.legacy_message_id = w.id
        WHERE l.content_md5 IS NOT NULL AND md5(w.content) <> l.content_md5
    ) AS edited_in_v2;
