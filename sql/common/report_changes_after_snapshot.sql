-- What the app changed in legacy messages after the run's snapshot, left to the next sync:
-- new messages (in legacy, yet neither staged, migrated nor quarantined), changed ones (staged
-- or placed, with an updatedAt after the snapshot's newest) and deleted ones (staged, no
-- longer in legacy). Binds nothing. Fills instant (Database.fills).
SELECT
    (
        SELECT COUNT(*) FROM messages AS m
        WHERE NOT EXISTS (SELECT 1 FROM v2_backfill.stage_messages AS s WHERE s.message_id = m.id)
            AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = m.id)
            AND NOT EXISTS (
                SELECT 1 FROM v2_backfill.quarantine AS q WHERE q.legacy_message_id = m.id
            )
    ) AS new_messages,
    (
        SELECT COUNT(*) FROM messages AS m
        WHERE {instant[m."updatedAt"]} > (
                SELECT w.updated_at FROM v2_backfill.stage_watermarks AS w
                WHERE w.table_name = 'messages'
            )
            AND (
                EXISTS (SELECT 1 FROM v2_backfill.stage_messages AS s WHERE s.message_id = m.id)
                OR EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = m.id)
                OR EXISTS (
                    SELECT 1 FROM v2_backfill.quarantine AS q WHERE q.legacy_message_id = m.id
                )
            )
    ) AS changed_messages,
    (
        SELECT COUNT(*) FROM v2_backfill.slice_messages AS s
        WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.id = s.message_id)
    ) AS deleted_messages;
