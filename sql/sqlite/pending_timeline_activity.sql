-- Streams the client's activity on the properties of every timeline of one bucket (as in
-- pending_shared_messages), as staged in the run's snapshot (only timelines with pending
-- shared-conversation messages have any), in timeline order, then time, for the
-- activity_context rule. Binds :bucket, :buckets.
SELECT a.timeline_id, a.property_id, a.at, a.source
FROM v2_backfill.stage_activity AS a
WHERE :buckets = 1 OR v2_hash32(a.timeline_id) % :buckets = :bucket
ORDER BY a.timeline_id, a.at, a.source;
