-- What the app changed in legacy messages after the last published run's snapshot, which
-- `validate` leaves to the next sync: new messages (neither migrated nor quarantined, and
-- recent) and changed ones (migrated or quarantined, and recent), from one pass over legacy;
-- and the V2 app's own edits of migrated messages, which every run keeps (the content no
-- longer hashes to the lineage's content MD5, the content the pipeline last copied). The
-- deleted ones are counted with their listing (report_deleted_in_legacy). Placeholder
-- recent: the condition on legacy message m (v2_backfill.quality.gate.recent_legacy). Binds
-- nothing.
SELECT
    SUM(1 - recent.placed) AS new_messages,
    SUM(recent.placed) AS changed_messages,
    (
        SELECT COUNT(*) FROM messages_v2 AS w
        JOIN v2_backfill.lineage AS l ON l.legacy_message_id = w.id
        WHERE l.content_md5 IS NOT NULL AND md5(w.content) <> l.content_md5
    ) AS edited_in_v2
FROM (
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = m.id)
            OR EXISTS (SELECT 1 FROM v2_backfill.quarantine AS q WHERE q.legacy_message_id = m.id)
        THEN 1 ELSE 0 END AS placed
    FROM messages AS m
    WHERE ({recent})
) AS recent;
