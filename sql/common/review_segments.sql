-- The pending segments of the review queue: distinct segments holding a quarantined message
-- with no decision yet (a segment may hold messages of several reasons). Binds nothing.
SELECT COUNT(DISTINCT COALESCE(q.segment, q.legacy_message_id)) AS segments
FROM v2_backfill.quarantine AS q
WHERE NOT EXISTS (
    SELECT 1 FROM v2_backfill.decisions AS d WHERE d.legacy_message_id = q.legacy_message_id
);
