-- The state of review per quarantine reason: messages decided by a reviewer and pending (no
-- decision yet), and the pending ones' segments (a message without a recorded segment is a
-- segment of its own). Messages a reviewer placed have left the quarantine: counted under
-- reason 'placed'. Last, the row of reason NULL: the pending segments in all (a segment may
-- hold messages of several reasons). One pass over the quarantine, in the order of its index
-- quarantine_review (index_quarantine_review); the per-segment rows are kept once. Binds
-- nothing.
WITH per_segment AS (
    SELECT q.segment, q.reason, COUNT(*) AS messages, COUNT(d.legacy_message_id) AS decided
    FROM v2_backfill.quarantine AS q
    LEFT JOIN v2_backfill.decisions AS d ON d.legacy_message_id = q.legacy_message_id
    GROUP BY q.segment, q.reason
)
SELECT ps.reason, SUM(ps.decided) AS decided, SUM(ps.messages - ps.decided) AS pending,
    SUM(CASE WHEN ps.segment IS NULL THEN ps.messages - ps.decided
        WHEN ps.messages > ps.decided THEN 1 ELSE 0 END) AS segments
FROM per_segment AS ps
GROUP BY ps.reason
UNION ALL
SELECT 'placed', COUNT(*), 0, 0
FROM v2_backfill.decisions AS d
WHERE d.property_id IS NOT NULL
UNION ALL
SELECT NULL, 0, 0,
    (SELECT COUNT(*) FROM (
        SELECT DISTINCT ps.segment FROM per_segment AS ps
        WHERE ps.segment IS NOT NULL AND ps.messages > ps.decided
    ) AS pending_segments)
    + (SELECT COALESCE(SUM(ps.messages - ps.decided), 0) FROM per_segment AS ps
        WHERE ps.segment IS NULL)
ORDER BY 1;
