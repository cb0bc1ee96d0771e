-- The properties of every timeline holding a quarantined legacy message (the candidates of
-- the review queue, and what `review apply` checks a decision's property against), with
-- their address and city, in the timeline's order. Binds nothing.
SELECT p.id AS property_id, p."timelineId" AS timeline_id, p.address, p.city
FROM properties AS p
WHERE p."timelineId" IN (
    SELECT c."timelineId" FROM v2_backfill.quarantine AS q
    JOIN conversations AS c ON c.id = q.legacy_conversation_id
    UNION
    SELECT c."timelineId" FROM v2_backfill.lineage AS l
    JOIN conversations AS c ON c.id = l.legacy_conversation_id
    WHERE l.rule NOT IN ('conversation_property', 'single_property_timeline')
)
ORDER BY p."timelineId", p.position, p.id;
