-- The backfill, sync and review runs, newest first, each with its status and whether it still
-- has rows to roll back (lineage, quarantine, created conversations, or a review's decisions
-- and labels). Binds nothing.
SELECT
    r.run_id,
    r.status,
    (
        EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.run_id = r.run_id)
        OR EXISTS (SELECT 1 FROM v2_backfill.quarantine AS q WHERE q.run_id = r.run_id)
        OR EXISTS (SELECT 1 FROM v2_backfill.created_conversations AS c WHERE c.run_id = r.run_id)
        OR EXISTS (SELECT 1 FROM v2_backfill.decisions AS d WHERE d.run_id = r.run_id)
        OR EXISTS (SELECT 1 FROM v2_backfill.audit_labels AS a WHERE a.run_id = r.run_id)
    ) AS has_rows
FROM v2_backfill.runs AS r
WHERE r.kind IN ('backfill', 'sync', 'review')
ORDER BY r.started_at DESC, r.run_id DESC;
