-- What rolling back the selected backfill runs removes and recomputes (reads only; run before
-- rollback.sql, or alone for a dry run): messages_v2 rows in their lineage, the conversations they
-- created that would hold no other message and no notification, the other conversations losing
-- messages, their quarantine rows, and the migrated messages rolled-back review runs had moved that
-- go back to their former property (as rollback_review.sql finds them). Binds :run_ids (JSON array
-- of run ids). Fills json_texts (Database.fills).
WITH selected (run_id) AS (
    {json_texts[:run_ids]}
),
removed AS (
    SELECT mv.id, mv."conversationId" AS conversation_id
    FROM messages_v2 AS mv
    JOIN v2_backfill.lineage AS l ON l.legacy_message_id = mv.id
    WHERE l.run_id IN (SELECT run_id FROM selected)
),
dropped AS (
    SELECT pc.id
    FROM property_conversations AS pc
    JOIN v2_backfill.created_conversations AS c ON c.conversation_id = pc.id
    WHERE c.run_id IN (SELECT run_id FROM selected)
        AND NOT EXISTS (
            SELECT 1 FROM messages_v2 AS mv
            WHERE mv."conversationId" = pc.id
                AND NOT EXISTS (SELECT 1 FROM removed AS r WHERE r.id = mv.id)
        )
        AND NOT EXISTS (SELECT 1 FROM notifications_v2 AS n WHERE n."conversationId" = pc.id)
)
SELECT
    (SELECT COUNT(*) FROM removed) AS messages_removed,
    (SELECT COUNT(*) FROM dropped) AS conversations_removed,
    (
        SELECT COUNT(DISTINCT r.conversation_id) FROM removed AS r
        WHERE r.conversation_id NOT IN (SELECT d.id FROM dropped AS d)
    ) AS conversations_recomputed,
    (
        SELECT COUNT(*) FROM v2_backfill.quarantine AS q
        WHERE q.run_id IN (SELECT run_id FROM selected)
    ) AS quarantine_rows_removed,
    (
        SELECT COUNT(*)
        FROM v2_backfill.review_prior AS p
        JOIN v2_backfill.lineage AS l ON l.legacy_message_id = p.legacy_message_id
        JOIN v2_backfill.decisions AS d
            ON d.legacy_message_id = p.legacy_message_id AND d.run_id = p.run_id
        JOIN messages_v2 AS mv
            ON mv.id = p.legacy_message_id AND mv."conversationId" = l.conversation_id
        WHERE p.run_id IN (SELECT run_id FROM selected) AND p.lineage_run_id IS NOT NULL
            AND l.rule = 'reviewer'
            AND EXISTS (
                SELECT 1 FROM property_conversations AS pc WHERE pc."propertyId" = p.property_id
            )
    ) AS messages_moved_back;
