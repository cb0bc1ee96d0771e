-- Counts the staged shared-conversation messages of one timeline bucket that still need the
-- text rules, a sync's context-only ones aside (bucket as in pending_shared_messages).
-- Binds :bucket, :buckets. Fills hash32 (Database.fills).
SELECT COUNT(*) FROM v2_backfill.stage_messages AS s
WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL AND NOT s.context_only
    AND (CAST(:buckets AS INTEGER) = 1 OR {hash32[s.timeline_id]} % :buckets = :bucket);
