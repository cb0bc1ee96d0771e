-- The state of review per quarantine reason: messages decided by a reviewer and pending (no
-- decision yet), and the pending ones' segments. Messages a reviewer placed have left the
-- quarantine: counted under reason 'placed'. Binds nothing.
SELECT q.reason,
    SUM(CASE WHEN d.legacy_message_id IS NULL THEN 0 ELSE 1 END) AS decided,
    SUM(CASE WHEN d.legacy_message_id IS NULL THEN 1 ELSE 0 END) AS pending,
    COUNT(DISTINCT CASE WHEN d.legacy_message_id IS NULL
        THEN COALESCE(q.segment, q.legacy_message_id) END) AS segments
FROM v2_backfill.quarantine AS q
LEFT JOIN v2_backfill.decisions AS d ON d.legacy_message_id = q.legacy_message_id
GROUP BY q.reason
UNION ALL
SELECT 'placed', COUNT(*), 0, 0
FROM v2_backfill.decisions AS d
WHERE d.property_id IS NOT NULL
ORDER BY 1;
