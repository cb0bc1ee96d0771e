-- The content and property address of the sampled placements (the audit sample's excerpt and
-- street line). Binds :ids (JSON array of legacy message ids). Fills json_texts
-- (Database.fills).
SELECT m.id AS message_id, m.content, p.address
FROM messages AS m
JOIN v2_backfill.lineage AS l ON l.legacy_message_id = m.id
LEFT JOIN properties AS p ON p.id = l.property_id
WHERE m.id IN ({json_texts[:ids]});
