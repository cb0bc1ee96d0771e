-- severity: critical
-- description: Every conversation's property exists, and its timeline, agent and client are those of the property's timeline.
SELECT c.id AS conversation_id, c."propertyId" AS property_id,
    CASE WHEN p.id IS NULL THEN 'property missing'
        WHEN t.id IS NULL THEN 'timeline missing'
        ELSE 'timeline, agent or client differ from the property''s timeline' END AS problem
FROM {conversations} AS c
LEFT JOIN properties AS p ON p.id = c."propertyId"
LEFT JOIN timelines AS t ON t.id = p."timelineId"
WHERE p.id IS NULL OR t.id IS NULL OR c."timelineId" <> t.id OR c."agentId" <> t."agentId"
    OR c."clientId" <> t."clientId"
