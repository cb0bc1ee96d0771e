-- Stages, in the run's snapshot, the properties of every timeline whose shared-conversation
-- messages are left for the text rules: the rules then read the state the messages were read
-- in, and never the app's live tables. Binds nothing. Fills instant (Database.fills).
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_properties (id, timeline_id, address, position, created_at)
SELECT p.id, p."timelineId", p.address, p.position, {instant[p."createdAt"]}
FROM properties AS p
WHERE p."timelineId" IN (
    SELECT s.timeline_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
);
