-- The scope of a sync: the legacy messages to re-examine since the stored cursors. A table's
-- changed rows are those after its cursor (:since_<table>, :since_<table>_id: updatedAt, then id
-- in byte order; the caller has already subtracted the lookback, with id '' then). In scope:
-- every changed message; every message of a conversation whose facts changed (property,
-- timeline, agent, client) or whose property's did, of the shared conversations of a timeline
-- that gained, lost or changed a property (old and new timeline) and, when the run may
-- replace, of a conversation with a reported re-placement; and, in any other shared
-- conversation holding a change, the stretches around its changes that hold their topic runs:
-- a run never spans a silence longer than the thread window (:window_ms), so each stretch
-- between two such silences that holds a change is staged, with the :context_messages
-- messages before it (the gaps the run threshold reads), all but the changes as context_only;
-- v2_backfill.scope.keep_touched_runs then keeps of them the runs the changes touch and the
-- context each needs. The changed messages are found in one pass over the legacy messages (the
-- app's schema has no index on updatedAt), filtered where they are read (a subquery of every
-- message for the filter to read would be copied whole by SQLite). The changed facts go to
-- stage_context, for publish to store. Run in the staging snapshot. Binds the cursors (timestamps
-- as the store keeps them), :window_ms, :context_messages and :replace. On SQLite, DateTime cells
-- written by hand as TEXT count by their instant. Fills instant, distinct_from, bytewise,
-- ms_interval (Database.fills).
-- The touched stretches and the context before them are two branches, each joined on what
-- indexes it (one OR of both had SQLite pair every staged message with every touched stretch:
-- 5.4 s against 1.0 s at 1M messages, BENCHMARKS.md).
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_options (replace, full_context) VALUES (:replace, FALSE);

INSERT INTO v2_backfill.stage_context (
    kind, id, timeline_id, old_timeline_id, property_id, agent_id, client_id, address, position,
    deleted
)
WITH live_properties AS (
    SELECT p.id, p."timelineId", p.address, p.position, {instant[p."updatedAt"]} AS updated_at
    FROM properties AS p
),
live_conversations AS (
    SELECT c.id, c."timelineId", c."propertyId", c."agentId", c."clientId",
        {instant[c."updatedAt"]} AS updated_at
    FROM conversations AS c
)
SELECT 'property', p.id, p."timelineId", sp.timeline_id, NULL, NULL, NULL, p.address, p.position,
    FALSE
FROM live_properties AS p
LEFT JOIN v2_backfill.seen_properties AS sp ON sp.property_id = p.id
WHERE (p.updated_at > :since_properties
        OR (p.updated_at = :since_properties AND p.id{bytewise} > :since_properties_id))
    AND (sp.property_id IS NULL OR sp.timeline_id {distinct_from} p."timelineId"
        OR sp.address {distinct_from} p.address OR sp.position {distinct_from} p.position)
UNION ALL
SELECT 'property', sp.property_id, NULL, sp.timeline_id, NULL, NULL, NULL, NULL, NULL, TRUE
FROM v2_backfill.seen_properties AS sp
WHERE NOT EXISTS (SELECT 1 FROM properties AS p WHERE p.id = sp.property_id)
UNION ALL
SELECT 'conversation', c.id, c."timelineId", sc.timeline_id, c."propertyId", c."agentId",
    c."clientId", NULL, NULL, FALSE
FROM live_conversations AS c
LEFT JOIN v2_backfill.seen_conversations AS sc ON sc.conversation_id = c.id
WHERE (c.updated_at > :since_conversations
        OR (c.updated_at = :since_conversations AND c.id{bytewise} > :since_conversations_id))
    AND (sc.conversation_id IS NULL OR sc.timeline_id {distinct_from} c."timelineId"
        OR sc.property_id {distinct_from} c."propertyId"
        OR sc.agent_id {distinct_from} c."agentId" OR sc.client_id {distinct_from} c."clientId");

INSERT INTO v2_backfill.stage_scope (message_id, context_only)
WITH changed AS (
    SELECT m.id, m."conversationId" AS conversation_id, {instant[m."createdAt"]} AS created_at
    FROM messages AS m
    WHERE ({instant[m."updatedAt"]}, m.id{bytewise}) > (:since_messages, :since_messages_id)
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
touched AS (
    SELECT DISTINCT ch.conversation_id AS id
    FROM changed AS ch
    JOIN conversations AS c ON c.id = ch.conversation_id
    WHERE c."propertyId" IS NULL AND ch.conversation_id NOT IN (SELECT id FROM whole)
),
thread AS (
    SELECT m.id, m."conversationId" AS conversation_id, {instant[m."createdAt"]} AS created_at
    FROM messages AS m
    WHERE m."conversationId" IN (SELECT id FROM touched)
),
silences AS (
    SELECT t.id, t.conversation_id,
        ROW_NUMBER() OVER (PARTITION BY t.conversation_id ORDER BY t.created_at, t.id{bytewise})
            AS position,
        CASE WHEN t.created_at > LAG(t.created_at) OVER (
            PARTITION BY t.conversation_id ORDER BY t.created_at, t.id{bytewise}
        ) + {ms_interval[:window_ms]} THEN 1 ELSE 0 END AS opens
    FROM thread AS t
    WHERE t.created_at IS NOT NULL
),
stretches AS (
    SELECT s.id, s.conversation_id, s.position,
        SUM(s.opens) OVER (PARTITION BY s.conversation_id ORDER BY s.position) AS stretch
    FROM silences AS s
),
changed_stretches AS (
    SELECT DISTINCT st.conversation_id, st.stretch
    FROM stretches AS st
    JOIN changed AS ch ON ch.id = st.id
),
touched_stretches AS (
    SELECT st.conversation_id, st.stretch, MIN(st.position) AS first_position
    FROM stretches AS st
    JOIN changed_stretches AS cs
        ON cs.conversation_id = st.conversation_id AND cs.stretch = st.stretch
    GROUP BY st.conversation_id, st.stretch
),
chosen AS (
    SELECT id AS message_id, 0 AS context_only FROM changed
    UNION ALL
    SELECT m.id, 0 FROM messages AS m WHERE m."conversationId" IN (SELECT id FROM whole)
    UNION ALL
    SELECT st.id, 1
    FROM stretches AS st
    WHERE (st.conversation_id, st.stretch) IN (
        SELECT ts.conversation_id, ts.stretch FROM touched_stretches AS ts
    )
    UNION ALL
    SELECT st.id, 1
    FROM stretches AS st
    JOIN touched_stretches AS ts ON ts.conversation_id = st.conversation_id
        AND st.position BETWEEN ts.first_position - :context_messages AND ts.first_position - 1
)
SELECT message_id, MIN(context_only) = 1 FROM chosen GROUP BY message_id;
