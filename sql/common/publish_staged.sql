-- Publishes the audited staging into the V2 tables and the bookkeeping (the "publish" of
-- write - audit - publish; run in one transaction). A conversation the live app inserted
-- meanwhile wins (ON CONFLICT DO NOTHING; on PostgreSQL a concurrent uncommitted insert is
-- waited for)
-- and messages follow their property's actual conversation; the conversations this run created
-- are recorded; messages are inserted, or changed with their read state merged once more with
-- the live row (a read message stays read, readAt keeps its earliest value; content changes
-- only where legacy edited it); then the lineage, the quarantine, the open replacement
-- findings of the run's messages, the property and conversation facts the run saw (all of
-- them, or the changed ones) and the watermarks (never moved backwards; the ones in place
-- before go to prior_watermarks, for a rollback). Every conversation of the run is recounted
-- from its live messages last (recount_conversations).
-- The deletions probe a key per row they might delete (EXISTS): an IN list would first index
-- every id of the run on SQLite (PostgreSQL plans both as the same semi-join). Binds :run_id.
-- DateTimes are written as the app writes them (app_datetime) and compared by their instant
-- (instant). Fills distinct_from, enum_cast, bytewise, app_datetime, instant (Database.fills).
INSERT INTO property_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt"
)
SELECT
    sc.id, sc."propertyId", sc."timelineId", sc."agentId", sc."clientId",
    {enum_cast[sc.status AS "ConversationStatus"]}, sc."unreadAgentCount", sc."unreadClientCount",
    {app_datetime[sc."lastMessageAt"]}, {app_datetime[sc."createdAt"]},
    {app_datetime[sc."updatedAt"]}
FROM v2_backfill.stage_conversations AS sc
WHERE sc.is_new
ON CONFLICT ("propertyId") DO NOTHING;

INSERT INTO v2_backfill.created_conversations (conversation_id, property_id, run_id)
SELECT sc.id, sc."propertyId", :run_id
FROM v2_backfill.stage_conversations AS sc
JOIN property_conversations AS pc ON pc.id = sc.id
WHERE sc.is_new
ON CONFLICT (conversation_id) DO NOTHING;

INSERT INTO messages_v2 (
    id, "conversationId", "senderId", "senderType", content, type,
    "isRead", "readAt", "createdAt", "updatedAt"
)
SELECT
    sm.id, pc.id, sm."senderId", {enum_cast[sm."senderType" AS "UserType"]}, sm.content,
    {enum_cast[sm.type AS "MessageType"]}, sm."isRead", {app_datetime[sm."readAt"]},
    {app_datetime[sm."createdAt"]}, {app_datetime[sm."updatedAt"]}
FROM v2_backfill.stage_v2_messages AS sm
JOIN property_conversations AS pc ON pc."propertyId" = sm.property_id
WHERE sm.action = 'insert'
ON CONFLICT (id) DO NOTHING;

UPDATE messages_v2 AS mv
SET
    "conversationId" = CASE WHEN sm.action = 'move' THEN pc.id ELSE mv."conversationId" END,
    content = CASE WHEN sm.content_changed THEN sm.content ELSE mv.content END,
    "isRead" = CASE WHEN mv."isRead" OR sm."isRead" THEN TRUE ELSE FALSE END,
    "readAt" = CASE WHEN mv."readAt" IS NULL OR {instant[sm."readAt"]} < {instant[mv."readAt"]}
        THEN {app_datetime[sm."readAt"]} ELSE {app_datetime[mv."readAt"]} END,
    "updatedAt" = CASE WHEN {instant[sm."updatedAt"]} > {instant[mv."updatedAt"]}
        THEN {app_datetime[sm."updatedAt"]} ELSE {app_datetime[mv."updatedAt"]} END
FROM v2_backfill.stage_v2_messages AS sm
JOIN property_conversations AS pc ON pc."propertyId" = sm.property_id
WHERE sm.action <> 'insert' AND mv.id = sm.id;

INSERT INTO v2_backfill.lineage (
    legacy_message_id, legacy_conversation_id, conversation_id, property_id, rule, run_id,
    content_md5, confidence, evidence
)
SELECT sm.id, sm.legacy_conversation_id, pc.id, sm.property_id, sm.rule, :run_id, sm.content_md5,
    a.confidence, a.evidence
FROM v2_backfill.stage_v2_messages AS sm
JOIN property_conversations AS pc ON pc."propertyId" = sm.property_id
LEFT JOIN v2_backfill.stage_attribution AS a ON a.message_id = sm.id
WHERE sm.action = 'insert'
ON CONFLICT (legacy_message_id) DO NOTHING;

UPDATE v2_backfill.lineage AS l
SET conversation_id = mv."conversationId", property_id = sm.property_id, rule = sm.rule,
    content_md5 = sm.content_md5,
    confidence = (SELECT a.confidence FROM v2_backfill.stage_attribution AS a
        WHERE a.message_id = sm.id),
    evidence = (SELECT a.evidence FROM v2_backfill.stage_attribution AS a
        WHERE a.message_id = sm.id)
FROM v2_backfill.stage_v2_messages AS sm
JOIN messages_v2 AS mv ON mv.id = sm.id
WHERE sm.action <> 'insert' AND l.legacy_message_id = sm.id
    AND (l.conversation_id {distinct_from} mv."conversationId"
        OR l.property_id {distinct_from} sm.property_id OR l.rule {distinct_from} sm.rule
        OR l.content_md5 {distinct_from} sm.content_md5);

DELETE FROM v2_backfill.lineage
WHERE legacy_message_id IN (SELECT sq.legacy_message_id FROM v2_backfill.stage_quarantine AS sq);

INSERT INTO v2_backfill.quarantine (legacy_message_id, legacy_conversation_id, reason, detail, run_id)
SELECT sq.legacy_message_id, sq.legacy_conversation_id, sq.reason, sq.detail, :run_id
FROM v2_backfill.stage_quarantine AS sq
WHERE TRUE -- SQLite reads ON CONFLICT after a bare FROM as a join constraint
ON CONFLICT (legacy_message_id) DO UPDATE
SET reason = excluded.reason, detail = excluded.detail, run_id = excluded.run_id
WHERE quarantine.reason {distinct_from} excluded.reason
    OR quarantine.detail {distinct_from} excluded.detail;

DELETE FROM v2_backfill.quarantine
WHERE EXISTS (
    SELECT 1 FROM v2_backfill.lineage AS l
    WHERE l.legacy_message_id = quarantine.legacy_message_id AND l.run_id = :run_id
);

DELETE FROM v2_backfill.replacements
WHERE EXISTS (
    SELECT 1 FROM v2_backfill.slice_messages AS s
    WHERE s.message_id = replacements.legacy_message_id
);

INSERT INTO v2_backfill.replacements (
    legacy_message_id, legacy_conversation_id, from_property_id, to_property_id, rule, reason,
    detail, run_id
)
SELECT r.legacy_message_id, r.legacy_conversation_id, r.from_property_id, r.to_property_id,
    r.rule, r.reason, r.detail, :run_id
FROM v2_backfill.stage_replacements AS r
WHERE NOT r.applied;

INSERT INTO v2_backfill.prior_watermarks (run_id, table_name, updated_at, row_id, prior_run_id)
SELECT :run_id, s.table_name, w.updated_at, w.row_id, w.run_id
FROM v2_backfill.stage_watermarks AS s
LEFT JOIN v2_backfill.watermarks AS w ON w.table_name = s.table_name
WHERE s.updated_at IS NOT NULL;

INSERT INTO v2_backfill.watermarks (table_name, updated_at, row_id, run_id)
SELECT w.table_name, w.updated_at, w.row_id, :run_id
FROM v2_backfill.stage_watermarks AS w
WHERE w.updated_at IS NOT NULL
ON CONFLICT (table_name) DO UPDATE
SET updated_at = excluded.updated_at, row_id = excluded.row_id, run_id = excluded.run_id
WHERE (watermarks.updated_at, watermarks.row_id{bytewise})
    < (excluded.updated_at, excluded.row_id{bytewise});

DELETE FROM v2_backfill.seen_properties
WHERE (SELECT o.full_context FROM v2_backfill.stage_options AS o)
    OR property_id IN (SELECT c.id FROM v2_backfill.stage_context AS c WHERE c.kind = 'property');

INSERT INTO v2_backfill.seen_properties (property_id, timeline_id, address, position)
SELECT c.id, c.timeline_id, c.address, c.position
FROM v2_backfill.stage_context AS c
WHERE c.kind = 'property' AND NOT c.deleted;

DELETE FROM v2_backfill.seen_conversations
WHERE (SELECT o.full_context FROM v2_backfill.stage_options AS o)
    OR conversation_id IN (
        SELECT c.id FROM v2_backfill.stage_context AS c WHERE c.kind = 'conversation'
    );

INSERT INTO v2_backfill.seen_conversations (
    conversation_id, timeline_id, property_id, agent_id, client_id
)
SELECT c.id, c.timeline_id, c.property_id, c.agent_id, c.client_id
FROM v2_backfill.stage_context AS c
WHERE c.kind = 'conversation' AND NOT c.deleted;
