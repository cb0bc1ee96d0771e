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
-- the cursors (epoch ms), :window_ms and :replace. DateTime cells written by hand as TEXT count
-- by their instant.
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_options (replace, full_context) VALUES (:replace, FALSE);

INSERT INTO v2_backfill.stage_context (
    kind, id, timeline_id, old_timeline_id, property_id, agent_id, client_id, address, position,
    deleted
)
WITH live_properties AS (
    SELECT p.id, p."timelineId", p.address, p.position,
        CASE typeof(p."updatedAt")
            WHEN 'integer' THEN p."updatedAt"
            WHEN 'real' THEN CAST(p."updatedAt" AS INTEGER)
            WHEN 'text' THEN CAST(ROUND((julianday(p."updatedAt") - 2440587.5) * 86400000.0) AS INTEGER)
        END AS updated_ms
    FROM properties AS p
),
live_conversations AS (
    SELECT c.id, c."timelineId", c."propertyId", c."agentId", c."clientId",
        CASE typeof(c."updatedAt")
            WHEN 'integer' THEN c."updatedAt"
            WHEN 'real' THEN CAST(c."updatedAt" AS INTEGER)
            WHEN 'text' THEN CAST(ROUND((julianday(c."updatedAt") - 2440587.5) * 86400000.0) AS INTEGER)
        END AS updated_ms
    FROM conversations AS c
)
SELECT 'property', p.id, p."timelineId", sp.timeline_id, NULL, NULL, NULL, p.address, p.position, 0
FROM live_properties AS p
LEFT JOIN v2_backfill.seen_properties AS sp ON sp.property_id = p.id
WHERE (p.updated_ms > :since_properties
        OR (p.updated_ms = :since_properties AND p.id > :since_properties_id))
    AND (sp.property_id IS NULL OR sp.timeline_id IS NOT p."timelineId"
        OR sp.address IS NOT p.address OR sp.position IS NOT p.position)
UNION ALL
SELECT 'property', sp.property_id, NULL, sp.timeline_id, NULL, NULL, NULL, NULL, NULL, 1
FROM v2_backfill.seen_properties AS sp
WHERE NOT EXISTS (SELECT 1 FROM properties AS p WHERE p.id = sp.property_id)
UNION ALL
SELECT 'conversation', c.id, c."timelineId", sc.timeline_id, c."propertyId", c."agentId",
    c."clientId", NULL, NULL, 0
FROM live_conversations AS c
LEFT JOIN v2_backfill.seen_conversations AS sc ON sc.conversation_id = c.id
WHERE (c.updated_ms > :since_conversations
        OR (c.updated_ms = :since_conversations AND c.id > :since_conversations_id))
    AND (sc.conversation_id IS NULL OR sc.timeline_id IS NOT c."timelineId"
        OR sc.property_id IS NOT c."propertyId"
        OR sc.agent_id IS NOT c."agentId" OR sc.client_id IS NOT c."clientId");

INSERT INTO v2_backfill.stage_scope (message_id, context_only)
WITH live_messages AS (
    SELECT m.id, m."conversationId" AS conversation_id,
        CASE typeof(m."updatedAt")
            WHEN 'integer' THEN m."updatedAt"
            WHEN 'real' THEN CAST(m."updatedAt" AS INTEGER)
            WHEN 'text' THEN CAST(ROUND((julianday(m."updatedAt") - 2440587.5) * 86400000.0) AS INTEGER)
        END AS updated_ms,
        CASE typeof(m."createdAt")
            WHEN 'integer' THEN m."createdAt"
            WHEN 'real' THEN CAST(m."createdAt" AS INTEGER)
            WHEN 'text' THEN CAST(ROUND((julianday(m."createdAt") - 2440587.5) * 86400000.0) AS INTEGER)
        END AS created_ms
    FROM messages AS m
),
changed AS (
    SELECT id, conversation_id, created_ms FROM live_messages
    WHERE updated_ms > :since_messages
        OR (updated_ms = :since_messages AND id > :since_messages_id)
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
    SELECT r.legacy_conversation_id FROM v2_backfill.replacements AS r WHERE :replace
),
windows AS (
    SELECT ch.conversation_id, MIN(ch.created_ms) AS first_change,
        MAX(ch.created_ms) AS last_change
    FROM changed AS ch
    JOIN conversations AS c ON c.id = ch.conversation_id
    WHERE c."propertyId" IS NULL AND ch.conversation_id NOT IN (SELECT id FROM whole)
    GROUP BY ch.conversation_id
),
thread AS (
    SELECT m.id, w.first_change, w.last_change,
        CASE typeof(m."createdAt")
            WHEN 'integer' THEN m."createdAt"
            WHEN 'real' THEN CAST(m."createdAt" AS INTEGER)
            WHEN 'text' THEN CAST(ROUND((julianday(m."createdAt") - 2440587.5) * 86400000.0) AS INTEGER)
        END AS created_ms
    FROM windows AS w
    JOIN messages AS m ON m."conversationId" = w.conversation_id
),
chosen AS (
    SELECT id AS message_id, 0 AS context_only FROM changed
    UNION ALL
    SELECT m.id, 0 FROM messages AS m WHERE m."conversationId" IN (SELECT id FROM whole)
    UNION ALL
    SELECT id, created_ms < first_change
    FROM thread
    WHERE created_ms >= first_change - :window_ms AND created_ms <= last_change + :window_ms
)
SELECT message_id, MIN(context_only) FROM chosen GROUP BY message_id;
