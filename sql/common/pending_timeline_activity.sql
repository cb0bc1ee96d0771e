-- Streams the client's activity on the properties of every timeline of one bucket (as in
-- pending_shared_messages), as staged in the run's snapshot (only timelines with pending
-- shared-conversation messages have any), in timeline order (ids in byte order, as the
-- messages are streamed), then time, for the activity_context rule. Binds :bucket, :buckets.
-- Fills hash32, bytewise (Database.fills).
SELECT a.timeline_id, a.property_id, a.at, a.source
FROM v2_backfill.stage_activity AS a
WHERE CAST(:buckets AS INTEGER) = 1 OR {hash32[a.timeline_id]} % :buckets = :bucket
ORDER BY a.timeline_id{bytewise}, a.at, a.source{bytewise};
