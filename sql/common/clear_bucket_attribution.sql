-- Removes the text rules' results for the shared-conversation messages of one timeline bucket
-- (bucket as in pending_shared_messages; with :buckets = 1, all of them) from
-- stage_attribution, so that the bucket is written anew: running it twice leaves the same
-- rows. Binds :bucket, :buckets. Fills hash32 (Database.fills).
DELETE FROM v2_backfill.stage_attribution
WHERE CAST(:buckets AS INTEGER) = 1 OR message_id IN (
    SELECT s.message_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND {hash32[s.timeline_id]} % :buckets = :bucket
);
