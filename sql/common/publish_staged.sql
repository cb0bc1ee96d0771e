-- Publishes the audited staging into the V2 tables and the bookkeeping (the "publish" of
-- write - audit - publish; run in one transaction). A review run's decided messages have their
-- state before it kept first (review_prior, for a rollback), its decisions and audit labels
-- are stored last. A conversation the live app inserted
-- meanwhile wins (ON CONFLICT DO NOTHING; on PostgreSQL a concurrent uncommitted insert is
-- waited for)
-- and messages follow their property's actual conversation; the conversations this run created
-- are recorded; new messages are inserted with their lineage (the messages it changes, with
-- theirs, are publish_changes', run next when there are any); then the quarantine, the open
-- replacement findings of the run's messages, the property and conversation facts the run saw
-- (all of them, or the changed ones) and the watermarks (never moved backwards; the ones in
-- place before go to prior_watermarks, for a rollback). Every conversation of the run is
-- recounted from its live messages last (recount_conversations).
-- The deletions probe a key per row they might delete (EXISTS): an IN list would first index
-- every id of the run on SQLite (PostgreSQL plans both as the same semi-join); but the
-- quarantine's rows that the run placed are read from the run's lineage (its index by run)
-- when the run staged a slice (a sync: 1.25 s against a scan of 815k quarantined rows at 5M
-- messages, BENCHMARKS.md), from the quarantine when it staged everything (the other
-- statement's constant condition is false, checked once). Binds :run_id.
-- DateTimes are written as the app writes them (app_datetime). Fills distinct_from,
-- enum_cast, bytewise, app_datetime (Database.fills).
INSERT INTO v2_backfill.review_prior (
    run_id, legacy_message_id, conversation_id, property_id, rule, lineage_run_id, confidence,
    evidence, reason, detail, quarantine_run_id, segment
)
SELECT :run_id, sd.legacy_message_id, l.conversation_id, l.property_id, l.rule, l.run_id,
    l.confidence, l.evidence, q.reason, q.detail, q.run_id, q.segment
FROM v2_backfill.stage_decisions AS sd
LEFT JOIN v2_backfill.lineage AS l ON l.legacy_message_id = sd.legacy_message_id
LEFT JOIN v2_backfill.quarantine AS q ON q.legacy_message_id = sd.legacy_message_id;

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

DELETE FROM v2_backfill.lineage
WHERE legacy_message_id IN (SELECT sq.legacy_message_id FROM v2_backfill.stage_quarantine AS sq);

INSERT INTO v2_backfill.quarantine (
    legacy_message_id, legacy_conversation_id, reason, detail, run_id, segment
)
SELECT sq.legacy_message_id, sq.legacy_conversation_id, sq.reason, sq.detail, :run_id,
    sq.segment
FROM v2_backfill.stage_quarantine AS sq
WHERE TRUE -- SQLite reads ON CONFLICT after a bare FROM as a join constraint
ON CONFLICT (legacy_message_id) DO UPDATE
SET reason = excluded.reason, detail = excluded.detail, run_id = excluded.run_id,
    segment = excluded.segment
WHERE quarantine.reason {distinct_from} excluded.reason
    OR quarantine.detail {distinct_from} excluded.detail
    OR quarantine.segment {distinct_from} excluded.segment;

DELETE FROM v2_backfill.quarantine
WHERE (SELECT o.full_context FROM v2_backfill.stage_options AS o)
    AND EXISTS (
        SELECT 1 FROM v2_backfill.lineage AS l
        WHERE l.legacy_message_id = quarantine.legacy_message_id AND l.run_id = :run_id
    );

DELETE FROM v2_backfill.quarantine
WHERE legacy_message_id IN (
    SELECT l.legacy_message_id FROM v2_backfill.lineage AS l
    WHERE l.run_id = :run_id AND NOT (SELECT o.full_context FROM v2_backfill.stage_options AS o)
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


INSERT INTO v2_backfill.decisions (
    legacy_message_id, property_id, segment, reviewer, decided_at, run_id
)
SELECT sd.legacy_message_id, sd.property_id, sd.segment, sd.reviewer, sd.decided_at, :run_id
FROM v2_backfill.stage_decisions AS sd
WHERE TRUE -- SQLite reads ON CONFLICT after a bare FROM as a join constraint
ON CONFLICT (legacy_message_id) DO UPDATE
SET property_id = excluded.property_id, reviewer = excluded.reviewer,
    decided_at = excluded.decided_at, run_id = excluded.run_id;

INSERT INTO v2_backfill.audit_labels (
    legacy_message_id, rule, property_id, label, reviewer, labelled_at, run_id
)
SELECT sl.legacy_message_id, sl.rule, sl.property_id, sl.label, sl.reviewer, sl.labelled_at,
    :run_id
FROM v2_backfill.stage_labels AS sl
WHERE TRUE
ON CONFLICT (legacy_message_id) DO NOTHING;
