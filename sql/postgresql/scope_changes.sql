-- The scope of a sync: the legacy messages to re-examine since the stored cursors. A table's
-- changed rows are those after its cursor (:since_<table>, :since_<table>_id: updatedAt, then id
-- in byte order; the caller has already subtracted the lookback, with id '' then). In scope:
-- every changed message; every message of a conversation whose facts changed (property,
-- timeline, agent, client) or whose property's did, of the shared conversations of a timeline
-- that gained, lost or changed a property (old and new timeline) and, when the run may
-- replace, of a conversation with a reported re-placement; and, in any other shared
-- conversation holding a change, the thread around it: a message's placement depends only on
-- the messages of the thread window (:window_ms) before it, so the messages from the first
-- change to a window after the last are placed again, beside the window before the first
-- change as their context only (context_only: read by the text rules, not placed again). The
-- changed facts go to stage_context, for publish to store. Run in the staging snapshot. Binds
-- the cursors, :window_ms and :replace.
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_options (replace, full_context) VALUES (:replace, FALSE);

INSERT INTO v2_backfill.stage_context (
    kind, id, timeline_id, old_timeline_id, property_id, agent_id, client_id, address, position,
    deleted
)
SELECT 'property', p.id, p."timelineId", sp.timeline_id, NULL, NULL, NULL, p.address, p.position,
    FALSE
FROM properties AS p
LEFT JOIN v2_backfill.seen_properties AS sp ON sp.property_id = p.id
WHERE (p."updatedAt" > :since_properties
        OR (p."updatedAt" = :since_properties AND p.id COLLATE "C" > :since_properties_id))
    AND (sp.property_id IS NULL OR sp.timeline_id IS DISTINCT FROM p."timelineId"
        OR sp.address IS DISTINCT FROM p.address OR sp.position IS DISTINCT FROM p.position)
UNION ALL
SELECT 'property', sp.property_id, NULL, sp.timeline_id, NULL, NULL, NULL, NULL, NULL, TRUE
FROM v2_backfill.seen_properties AS sp
WHERE NOT EXISTS (SELECT 1 FROM properties AS p WHERE p.id = sp.property_id)
UNION ALL
SELECT 'conversation', c.id, c."timelineId", sc.timeline_id, c."propertyId", c."agentId",
    c."clientId", NULL, NULL, FALSE
FROM conversations AS c
LEFT JOIN v2_backfill.seen_conversations AS sc ON sc.conversation_id = c.id
WHERE (c."updatedAt" > :since_conversations
        OR (c."updatedAt" = :since_conversations AND c.id COLLATE "C" > :since_conversations_id))
    AND (sc.conversation_id IS NULL OR sc.timeline_id IS DISTINCT FROM c."timelineId"
        OR sc.property_id IS DISTINCT FROM c."propertyId"
        OR sc.agent_id IS DISTINCT FROM c."agentId" OR sc.client_id IS DISTINCT FROM c."clientId");

INSERT INTO v2_backfill.stage_scope (message_id, context_only)
WITH changed AS (
    SELECT m.id, m."conversationId" AS conversation_id, m."createdAt" AS created_at
    FROM messages AS m
    WHERE m."updatedAt" > :since_messages
        OR (m."updatedAt" = :since_messages AND m.id COLLATE "C" > :since_messages_id)
),
changed_timelines AS (
    SELECT timeline_id AS id FROM v2_backfill.stage_context
    WHERE kind = 'property' AND timeline_id IS NOT NULL
    UNION
    SELECT old_timeline_id FROM v2_backfill.stage_context
    WHERE kind = 'property' AND old_timeline_id IS NOT NULL
),
whole AS (
    SELECT c.id FROM conversations AS c
    WHERE c."propertyId" IS NULL AND c."timelineId" IN (SELECT id FROM changed_timelines)
    UNION
    SELECT c.id FROM conversations AS c
    WHERE c."propertyId" IN (SELECT id FROM v2_backfill.stage_context WHERE kind = 'property')
    UNION
    SELECT id FROM v2_backfill.stage_context WHERE kind = 'conversation'
    UNION
    SELECT r.legacy_conversation_id FROM v2_backfill.replacements AS r
    WHERE CAST(:replace AS BOOLEAN)
),
windows AS (
    SELECT ch.conversation_id, MIN(ch.created_at) AS first_change,
        MAX(ch.created_at) AS last_change
    FROM changed AS ch
    JOIN conversations AS c ON c.id = ch.conversation_id
    WHERE c."propertyId" IS NULL AND ch.conversation_id NOT IN (SELECT id FROM whole)
    GROUP BY ch.conversation_id
),
chosen AS (
    SELECT id AS message_id, FALSE AS context_only FROM changed
    UNION ALL
    SELECT m.id, FALSE FROM messages AS m WHERE m."conversationId" IN (SELECT id FROM whole)
    UNION ALL
    SELECT m.id, m."createdAt" < w.first_change
    FROM windows AS w
    JOIN messages AS m ON m."conversationId" = w.conversation_id
    WHERE m."createdAt" >= w.first_change - CAST(:window_ms AS BIGINT) * INTERVAL '1 millisecond'
        AND m."createdAt" <= w.last_change + CAST(:window_ms AS BIGINT) * INTERVAL '1 millisecond'
)
SELECT message_id, bool_and(context_only) FROM chosen GROUP BY message_id;
