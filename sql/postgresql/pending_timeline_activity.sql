-- Streams the client's activity on the properties of every timeline of one bucket (as in
-- pending_shared_messages) that has pending shared-conversation messages, as staged in the
-- run's snapshot, in timeline order (ids in byte order, as the messages are streamed), then
-- time, for the activity_context rule. Binds :bucket, :buckets.
SELECT p.timeline_id, p.property_id, p.at, p.source
FROM v2_backfill.stage_activity AS p
WHERE p.timeline_id IN (
    SELECT s.timeline_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
        AND (CAST(:buckets AS INTEGER) = 1
            OR CAST(CAST(('x' || substr(md5(s.timeline_id), 1, 8)) AS BIT(32)) AS BIGINT)
                % :buckets = :bucket)
)
ORDER BY p.timeline_id COLLATE "C", p.at, p.source COLLATE "C";
