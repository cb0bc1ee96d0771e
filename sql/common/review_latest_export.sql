-- The latest `review export` (none when no queue was exported). Binds nothing.
SELECT e.exported_at, e.folder, e.page, e.queued_messages, e.segments, e.audit_sample
FROM v2_backfill.review_exports AS e
ORDER BY e.exported_at DESC
LIMIT 1;
