-- Rolls back the selected backfill runs (run in one transaction, after rollback_counts.sql and
-- rollback_review.sql). First, for every conversation losing messages (removed, or moved back by
-- rollback_review.sql out of a review decision's property) or regaining them (moved back),
-- recomputes from the messages that stay unreadAgentCount (unread CLIENT messages),
-- unreadClientCount (unread AGENT messages) and lastMessageAt: where the current one is not later
-- than the newest message leaving, the newest remaining createdAt (NULL when none remains; a later
-- one was stamped by the app and stays), else max(current, newest); rows already right are not
-- touched, and the conversations deleted next are recomputed too (harmless). Then deletes the runs'
-- messages_v2 rows (only ids in their lineage), the conversations they created that now hold no
-- message and no notification, the created_conversations rows of the conversations gone, the stored
-- facts of the legacy conversations and properties of the runs' messages (so that a sync compares
-- them anew and places those messages again), the runs' lineage, quarantine, review decisions,
-- audit labels and prior states, and marks the runs rolled_back; then the replacement findings of
-- messages no longer migrated; puts back per table the cursor the oldest of the runs (by start)
-- found in place (prior_watermarks; none: the cursor goes, a sync reads the table from the start)
-- wherever that is earlier, so that the next sync reads again what was removed, and drops the runs'
-- prior cursors; and, once nothing is migrated or quarantined any more, the sync's cursors and seen
-- facts (a sync then asks for a backfill first). A cursor put back as none is first set to NULL
-- (its run kept), then dropped: a stored cursor never holds a NULL updated_at (publish_staged
-- stores none). On SQLite, DateTime cells written by hand as TEXT are compared by their instant.
-- Binds :run_ids (JSON array of run ids), :now (a timestamp as the store keeps it). Fills
-- json_texts, instant, app_datetime, distinct_from, bytewise (Database.fills).
WITH removed AS (
    SELECT mv.id, mv."conversationId" AS conversation_id, mv."createdAt" AS created_at
    FROM messages_v2 AS mv
    JOIN v2_backfill.lineage AS l ON l.legacy_message_id = mv.id
    WHERE l.run_id IN ({json_texts[:run_ids]})
),
moved AS (  -- by rollback_review.sql: from the decision's property back to the message's
    SELECT pd.id AS left_from, mv."conversationId" AS back_to, mv."createdAt" AS created_at
    FROM v2_backfill.review_prior AS p
    JOIN v2_backfill.decisions AS d
        ON d.legacy_message_id = p.legacy_message_id AND d.run_id = p.run_id
    JOIN property_conversations AS pd ON pd."propertyId" = d.property_id
    JOIN messages_v2 AS mv ON mv.id = p.legacy_message_id
    WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.lineage_run_id IS NOT NULL
),
leaving AS (  -- per conversation, the messages leaving it (created_at) or joining it (NULL)
    SELECT r.conversation_id AS id, {instant[r.created_at]} AS created_at FROM removed AS r
    UNION ALL
    SELECT m.left_from, {instant[m.created_at]} FROM moved AS m
    UNION ALL
    SELECT m.back_to, NULL FROM moved AS m
),
touched AS (
    SELECT pc.id, {instant[pc."lastMessageAt"]} AS current_last, MAX(e.created_at) AS newest_out
    FROM property_conversations AS pc
    JOIN leaving AS e ON e.id = pc.id
    GROUP BY pc.id, pc."lastMessageAt"
),
recount AS (
    SELECT t.id,
        SUM(CASE WHEN mv."senderType" = 'CLIENT' AND NOT mv."isRead" THEN 1 ELSE 0 END) AS unread_agent,
        SUM(CASE WHEN mv."senderType" = 'AGENT' AND NOT mv."isRead" THEN 1 ELSE 0 END) AS unread_client,
        t.current_last, t.newest_out, MAX({instant[mv."createdAt"]}) AS newest
    FROM touched AS t
    LEFT JOIN messages_v2 AS mv ON mv."conversationId" = t.id
        AND NOT EXISTS (SELECT 1 FROM removed AS r WHERE r.id = mv.id)
    GROUP BY t.id, t.current_last, t.newest_out
),
target AS (
    SELECT x.id, x.unread_agent, x.unread_client,
        CASE
            WHEN x.newest_out IS NOT NULL
                AND (x.current_last IS NULL OR x.current_last <= x.newest_out) THEN x.newest
            WHEN x.current_last IS NULL OR x.current_last < x.newest THEN x.newest
            ELSE x.current_last
        END AS last_message_at
    FROM recount AS x
)
UPDATE property_conversations AS pc
SET
    "unreadAgentCount" = x.unread_agent,
    "unreadClientCount" = x.unread_client,
    "lastMessageAt" = {app_datetime[x.last_message_at]},
    "updatedAt" = {app_datetime[:now]}
FROM target AS x
WHERE pc.id = x.id
    AND (
        pc."unreadAgentCount" {distinct_from} x.unread_agent
        OR pc."unreadClientCount" {distinct_from} x.unread_client
        OR {instant[pc."lastMessageAt"]} {distinct_from} x.last_message_at
    );

DELETE FROM messages_v2
WHERE id IN (
    SELECT l.legacy_message_id FROM v2_backfill.lineage AS l
    WHERE l.run_id IN ({json_texts[:run_ids]})
);

DELETE FROM property_conversations AS pc
WHERE pc.id IN (
    SELECT c.conversation_id FROM v2_backfill.created_conversations AS c
    WHERE c.run_id IN ({json_texts[:run_ids]})
)
    AND NOT EXISTS (SELECT 1 FROM messages_v2 AS mv WHERE mv."conversationId" = pc.id)
    AND NOT EXISTS (SELECT 1 FROM notifications_v2 AS n WHERE n."conversationId" = pc.id);

DELETE FROM v2_backfill.created_conversations AS c
WHERE c.run_id IN ({json_texts[:run_ids]})
    AND NOT EXISTS (SELECT 1 FROM property_conversations AS pc WHERE pc.id = c.conversation_id);

DELETE FROM v2_backfill.seen_conversations
WHERE conversation_id IN (
    SELECT l.legacy_conversation_id FROM v2_backfill.lineage AS l
    WHERE l.run_id IN ({json_texts[:run_ids]})
);

DELETE FROM v2_backfill.seen_properties
WHERE property_id IN (
    SELECT l.property_id FROM v2_backfill.lineage AS l
    WHERE l.run_id IN ({json_texts[:run_ids]})
);

DELETE FROM v2_backfill.lineage WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.quarantine WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.decisions WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.audit_labels WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.review_prior WHERE run_id IN ({json_texts[:run_ids]});

UPDATE v2_backfill.runs SET status = 'rolled_back'
WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.replacements
WHERE legacy_message_id NOT IN (SELECT l.legacy_message_id FROM v2_backfill.lineage AS l);

WITH oldest AS (
    SELECT p.table_name, p.updated_at, p.row_id, p.prior_run_id,
        ROW_NUMBER() OVER (PARTITION BY p.table_name ORDER BY r.started_at, r.run_id) AS n
    FROM v2_backfill.prior_watermarks AS p
    JOIN v2_backfill.runs AS r ON r.run_id = p.run_id
    WHERE p.run_id IN ({json_texts[:run_ids]})
)
UPDATE v2_backfill.watermarks AS w
SET updated_at = o.updated_at, row_id = o.row_id,
    run_id = COALESCE(o.prior_run_id, w.run_id)
FROM oldest AS o
WHERE o.n = 1 AND o.table_name = w.table_name
    AND (o.updated_at IS NULL
        OR (o.updated_at, o.row_id{bytewise}) < (w.updated_at, w.row_id{bytewise}));

DELETE FROM v2_backfill.watermarks WHERE updated_at IS NULL;

DELETE FROM v2_backfill.prior_watermarks WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.watermarks
WHERE NOT EXISTS (SELECT 1 FROM v2_backfill.lineage)
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.quarantine);

DELETE FROM v2_backfill.seen_properties
WHERE NOT EXISTS (SELECT 1 FROM v2_backfill.lineage)
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.quarantine);

DELETE FROM v2_backfill.seen_conversations
WHERE NOT EXISTS (SELECT 1 FROM v2_backfill.lineage)
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.quarantine);
