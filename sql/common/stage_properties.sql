-- Stages, in the run's snapshot, the properties of every timeline whose shared-conversation
-- messages are left for the text rules (with the mlsId and listing link they match), and the
-- client's activity on them: feedback rows of the timeline's client and client_analytics
-- events of the timeline with a propertyId of its own. The rules then read the state the
-- messages were read in, and never the app's live tables. Binds nothing. Fills instant
-- (Database.fills).
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_properties (
    id, timeline_id, address, position, created_at, mls_id, listing_url
)
SELECT p.id, p."timelineId", p.address, p.position, {instant[p."createdAt"]}, p."mlsId", p."listingUrl"
FROM properties AS p
WHERE p."timelineId" IN (
    SELECT s.timeline_id FROM v2_backfill.stage_messages AS s
    WHERE s.is_shared AND s.property_id IS NULL AND s.reason IS NULL
);

INSERT INTO v2_backfill.stage_activity (timeline_id, property_id, at, source)
SELECT p.timeline_id, f."propertyId", {instant[f."createdAt"]}, 'feedback ' || f.id
FROM feedback AS f
JOIN v2_backfill.stage_properties AS p ON p.id = f."propertyId"
JOIN timelines AS t ON t.id = p.timeline_id AND t."clientId" = f."clientId"
UNION ALL
SELECT p.timeline_id, e."propertyId", {instant[e."timestamp"]}, 'client_analytics ' || e.id
FROM client_analytics AS e
JOIN v2_backfill.stage_properties AS p
    ON p.id = e."propertyId" AND p.timeline_id = e."timelineId";
