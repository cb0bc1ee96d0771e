-- Streams the properties of every timeline of one bucket (as in pending_shared_messages) that
-- has pending shared-conversation messages, in timeline order (ids in byte order, as the
-- messages are streamed), for the address and primary-property rules. Binds :bucket, :buckets.
SELECT p.id, p."timelineId" AS timeline_id, p.address, p.position, p."createdAt" AS created_at
FROM properties AS p
WHERE p."timelineId" IN (
    SELECT s.timeline_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
        AND (CAST(:buckets AS INTEGER) = 1
            OR CAST(CAST(('x' || substr(md5(s.timeline_id), 1, 8)) AS BIT(32)) AS BIGINT)
                % :buckets = :bucket)
)
ORDER BY p."timelineId" COLLATE "C", p.id COLLATE "C";
