-- The reviewers' audit labels as they stand after the run publishes: per labelled placement
-- its rule and label (correct / wrong), the stored ones and a review run's staged ones, from
-- which each heuristic rule's precision is estimated. Binds nothing.
SELECT a.rule, a.label FROM v2_backfill.audit_labels AS a
UNION ALL
SELECT s.rule, s.label FROM v2_backfill.stage_labels AS s
WHERE NOT EXISTS (
    SELECT 1 FROM v2_backfill.audit_labels AS a WHERE a.legacy_message_id = s.legacy_message_id
)
ORDER BY 1;
