-- Creates the property_conversations the staged messages need and that do not exist yet, with
-- the deterministic id 'c' || md5('v2-backfill:' || propertyId)[:24], the property's
-- timeline's agent and client, ARCHIVED when every contributing legacy conversation is
-- inactive. A row the live app inserts meanwhile wins (ON CONFLICT DO NOTHING); the ids of
-- the rows this run created are recorded. Binds :run_id, :now (epoch ms).
INSERT INTO property_conversations (
    id, "propertyId", "timelineId", "agentId", "clientId", status,
    "unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt"
)
SELECT
    'c' || substr(md5('v2-backfill:' || s.property_id), 1, 24),
    s.property_id,
    t.id,
    t."agentId",
    t."clientId",
    CASE WHEN MAX(COALESCE(s.conversation_active, 1)) THEN 'ACTIVE' ELSE 'ARCHIVED' END,
    0,
    0,
    NULL,
    MIN(s.created_at),
    :now
FROM v2_backfill.stage_messages AS s
JOIN properties AS p ON p.id = s.property_id
JOIN timelines AS t ON t.id = p."timelineId"
WHERE s.property_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = s.message_id)
    AND NOT EXISTS (SELECT 1 FROM property_conversations AS pc WHERE pc."propertyId" = s.property_id)
GROUP BY s.property_id, t.id, t."agentId", t."clientId"
ON CONFLICT ("propertyId") DO NOTHING;

INSERT INTO v2_backfill.created_conversations (conversation_id, property_id, run_id)
SELECT pc.id, pc."propertyId", :run_id
FROM property_conversations AS pc
WHERE pc."propertyId" IN (
        SELECT s.property_id FROM v2_backfill.stage_messages AS s WHERE s.property_id IS NOT NULL
    )
    AND pc.id = 'c' || substr(md5('v2-backfill:' || pc."propertyId"), 1, 24)
ON CONFLICT (conversation_id) DO NOTHING;
