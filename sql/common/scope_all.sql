-- The scope of a run that re-examines every legacy message (a backfill, a reconciling sync):
-- its options, and every legacy property's and conversation's facts as the rules read them
-- (stored when the run publishes, for later syncs to compare with). Run in the staging
-- snapshot. Binds :replace (whether migrated messages may move).
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_options (replace, full_context) VALUES (:replace, TRUE);

INSERT INTO v2_backfill.stage_context (
    kind, id, timeline_id, old_timeline_id, property_id, agent_id, client_id, address, position,
    deleted
)
SELECT 'property', p.id, p."timelineId", NULL, NULL, NULL, NULL, p.address, p.position, FALSE
FROM properties AS p
UNION ALL
SELECT 'conversation', c.id, c."timelineId", NULL, c."propertyId", c."agentId", c."clientId",
    NULL, NULL, FALSE
FROM conversations AS c;
