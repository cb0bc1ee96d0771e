-- Streams the staged shared-conversation messages of one timeline bucket that still need the
-- text rules (transforms.attribution), in thread order (timeline, conversation, time, id; ids
-- in byte order), with their staged content, whether they are a sync's context only (read,
-- not placed again) and whether a sync's run starts there (stage_runs). With :buckets = 1
-- every timeline is in the one bucket; otherwise a timeline's bucket is hash32(timeline_id)
-- modulo :buckets: the first 32 bits of md5(timeline_id) as an unsigned integer (SQLite: a
-- function the adapter registers; the same buckets in both dialects). Binds :bucket,
-- :buckets. Fills hash32, bytewise (Database.fills).
SELECT s.message_id, s.legacy_conversation_id, s.timeline_id, s.created_at, s.content,
    s.context_only, COALESCE(r.starts_run, FALSE) AS starts_run
FROM v2_backfill.stage_messages AS s
LEFT JOIN v2_backfill.stage_runs AS r ON r.message_id = s.message_id
WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
    AND (CAST(:buckets AS INTEGER) = 1 OR {hash32[s.timeline_id]} % :buckets = :bucket)
ORDER BY s.timeline_id{bytewise}, s.legacy_conversation_id{bytewise}, s.created_at,
    s.message_id{bytewise};
