-- Streams the properties of every timeline of one bucket (as in pending_shared_messages) that
-- has pending shared-conversation messages, as staged in the run's snapshot, in timeline
-- order (ids in byte order, as the messages are streamed), for the address, MLS,
-- listing-link and primary-property rules. Binds :bucket, :buckets. Fills hash32, bytewise
-- (Database.fills).
SELECT p.id, p.timeline_id, p.address, p.position, p.created_at, p.mls_id, p.listing_url
FROM v2_backfill.stage_properties AS p
WHERE p.timeline_id IN (
    SELECT s.timeline_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
        AND (CAST(:buckets AS INTEGER) = 1 OR {hash32[s.timeline_id]} % :buckets = :bucket)
)
ORDER BY p.timeline_id{bytewise}, p.id{bytewise};
