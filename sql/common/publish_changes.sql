-- Publishes the staged changes to messages the V2 tables already hold (stage_v2_messages rows
-- of action 'move' or 'update'), in the publishing transaction after publish_staged: moved
-- messages follow their property's actual conversation, read state is merged once more with
-- the live row (a read message stays read, readAt keeps its earliest value), content changes
-- only where legacy edited it; then their lineage follows. Run only when there are such rows
-- (staged_changes): a backfill has none. The first UPDATE names its rows by an IN list as
-- well: SQLite plans the join alone as a scan of every messages_v2 row (0.65 s of a sync at
-- 5M messages, BENCHMARKS.md). Their order after publish_staged changes nothing: these rows
-- are none of the ones it inserts, and the lineage rows it deletes or reads by run are ones
-- these leave out or keep the run of. Binds nothing. Fills distinct_from, app_datetime, instant
-- (Database.fills).
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
WHERE sm.action <> 'insert' AND mv.id = sm.id
    AND mv.id IN (
        SELECT c.id FROM v2_backfill.stage_v2_messages AS c WHERE c.action <> 'insert'
    );

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
