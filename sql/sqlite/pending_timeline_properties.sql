-- Streams the properties of every timeline of one bucket (as in pending_shared_messages) that
-- has pending shared-conversation messages, in timeline order, with createdAt as epoch ms
-- (TEXT cells included), for the address and primary-property rules. Binds :bucket, :buckets.
SELECT
    p.id,
    p."timelineId" AS timeline_id,
    p.address,
    p.position,
    CASE typeof(p."createdAt")
        WHEN 'integer' THEN p."createdAt"
        WHEN 'real' THEN CAST(p."createdAt" AS INTEGER)
        WHEN 'text' THEN CAST(ROUND((julianday(p."createdAt") - 2440587.5) * 86400000.0) AS INTEGER)
    END AS created_at
FROM properties AS p
WHERE p."timelineId" IN (
    SELECT s.timeline_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
        AND (:buckets = 1 OR v2_hash32(s.timeline_id) % :buckets = :bucket)
)
ORDER BY p."timelineId", p.id;
