-- Streams the staged shared-conversation messages of one timeline bucket that still need the
-- text rules (address_mention, thread_context), in thread order (timeline, conversation,
-- time, id), with their staged content and
-- whether they are a sync's context only (read, not placed again). With :buckets = 1 every timeline is in the one bucket;
-- otherwise a timeline's bucket is v2_hash32(timeline_id) modulo :buckets: the first 32 bits
-- of md5(timeline_id) as an unsigned integer (a function the adapter registers; the same
-- buckets as on PostgreSQL). Binds :bucket, :buckets.
SELECT s.message_id, s.legacy_conversation_id, s.timeline_id, s.created_at, s.content,
    s.context_only
FROM v2_backfill.stage_messages AS s
WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
    AND (:buckets = 1 OR v2_hash32(s.timeline_id) % :buckets = :bucket)
ORDER BY s.timeline_id, s.legacy_conversation_id, s.created_at, s.message_id;
