-- Puts back, for the review runs among those rolled back (run in the rollback's transaction,
-- before rollback.sql), the state their decided messages had before them (review_prior).
-- First the migrated messages a run moved (an audit label `wrong` naming the right property:
-- a prior lineage row) and that are still where it put them (rule reviewer, its decision not
-- replaced by a later run): each goes back to its former property's conversation, the
-- conversations they leave and rejoin are recounted from their live messages (unread counts;
-- lastMessageAt as the newest remaining createdAt where the current one is not later than the
-- newest message leaving, otherwise max(current, newest)), and their lineage row gets its
-- former property, rule, run, confidence and evidence back (rollback.sql then leaves them, as
-- their lineage is no longer the rolled-back runs'). Then the quarantine rows of the messages
-- the runs placed or kept in quarantine, with their reason, detail, run and segment
-- (rollback.sql then removes the messages_v2 rows and lineage the runs created); and drops
-- their decisions, audit labels and prior states. Binds :run_ids (JSON array of run ids),
-- :now (a timestamp as the store keeps it). Fills json_texts, instant, app_datetime,
-- distinct_from (Database.fills).
UPDATE messages_v2 AS mv
SET "conversationId" = pc.id
FROM v2_backfill.review_prior AS p
JOIN v2_backfill.lineage AS l ON l.legacy_message_id = p.legacy_message_id
JOIN v2_backfill.decisions AS d
    ON d.legacy_message_id = p.legacy_message_id AND d.run_id = p.run_id
JOIN property_conversations AS pc ON pc."propertyId" = p.property_id
WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.lineage_run_id IS NOT NULL
    AND l.rule = 'reviewer' AND mv.id = p.legacy_message_id
    AND mv."conversationId" = l.conversation_id;

WITH moved AS (  -- moved back just now: their lineage still names the review's conversation
    SELECT mv."conversationId" AS back_to, l.conversation_id AS left_from,
        {instant[mv."createdAt"]} AS created_at
    FROM v2_backfill.review_prior AS p
    JOIN v2_backfill.lineage AS l ON l.legacy_message_id = p.legacy_message_id
    JOIN messages_v2 AS mv ON mv.id = p.legacy_message_id
    WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.lineage_run_id IS NOT NULL
        AND l.conversation_id <> mv."conversationId"
),
touched AS (
    SELECT e.id, MAX(e.newest_out) AS newest_out
    FROM (
        SELECT left_from AS id, created_at AS newest_out FROM moved
        UNION ALL
        SELECT back_to AS id, NULL AS newest_out FROM moved
    ) AS e
    GROUP BY e.id
),
recount AS (
    SELECT t.id, t.newest_out, {instant[pc."lastMessageAt"]} AS current_last,
        SUM(CASE WHEN mv."senderType" = 'CLIENT' AND NOT mv."isRead" THEN 1 ELSE 0 END) AS unread_agent,
        SUM(CASE WHEN mv."senderType" = 'AGENT' AND NOT mv."isRead" THEN 1 ELSE 0 END) AS unread_client,
        MAX({instant[mv."createdAt"]}) AS newest
    FROM touched AS t
    JOIN property_conversations AS pc ON pc.id = t.id
    LEFT JOIN messages_v2 AS mv ON mv."conversationId" = t.id
    GROUP BY t.id, t.newest_out, pc."lastMessageAt"
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

UPDATE v2_backfill.lineage AS l
SET conversation_id = mv."conversationId", property_id = p.property_id, rule = p.rule,
    run_id = p.lineage_run_id, confidence = p.confidence, evidence = p.evidence
FROM v2_backfill.review_prior AS p
JOIN messages_v2 AS mv ON mv.id = p.legacy_message_id
WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.lineage_run_id IS NOT NULL
    AND l.legacy_message_id = p.legacy_message_id AND l.conversation_id <> mv."conversationId";

INSERT INTO v2_backfill.quarantine (
    legacy_message_id, legacy_conversation_id, reason, detail, run_id, segment
)
SELECT p.legacy_message_id, m."conversationId", p.reason, p.detail, p.quarantine_run_id,
    p.segment
FROM v2_backfill.review_prior AS p
JOIN messages AS m ON m.id = p.legacy_message_id
WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.reason IS NOT NULL
ON CONFLICT (legacy_message_id) DO UPDATE
SET reason = excluded.reason, detail = excluded.detail, run_id = excluded.run_id,
    segment = excluded.segment;

DELETE FROM v2_backfill.decisions WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.audit_labels WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.review_prior WHERE run_id IN ({json_texts[:run_ids]});
