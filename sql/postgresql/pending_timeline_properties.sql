-- Lists the properties of every timeline that has pending shared-conversation messages, for
-- the address and primary-property rules. Binds nothing.
SELECT p.id, p."timelineId" AS timeline_id, p.address, p.position, p."createdAt" AS created_at
FROM properties AS p
WHERE p."timelineId" IN (
    SELECT DISTINCT s.timeline_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
);
