-- Stages, in the run's snapshot, the properties of every timeline whose shared-conversation
-- messages are left for the text rules: the rules then read the state the messages were read
-- in, and never the app's live tables. Placeholder created_at: the adapter's reading of
-- p."createdAt" as the store keeps DateTimes (Database.timestamp_sql). Binds nothing.
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_properties (id, timeline_id, address, position, created_at)
SELECT p.id, p."timelineId", p.address, p.position, {created_at}
FROM properties AS p
WHERE p."timelineId" IN (
    SELECT s.timeline_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
);
