-- Recounts, from the live messages (native ones included), every conversation of the run:
-- each staged one, and the actual conversation of each staged message's property (the live
-- app's, where it won the race): unreadAgentCount (unread CLIENT messages), unreadClientCount
-- (unread AGENT messages), lastMessageAt = max(current, newest createdAt) (on SQLite,
-- DateTime cells written by hand as TEXT compared by their instant). Rows already right are
-- not touched; the conversations are found by their keys (one set, which PostgreSQL probes
-- by index where an OR of two subqueries would have it read every conversation). Run in the
-- publishing transaction. Binds :now (a timestamp as the store keeps it), written as the
-- app writes DateTimes. Fills instant, app_datetime (Database.fills).
UPDATE property_conversations AS pc
SET
    "unreadAgentCount" = x.unread_agent,
    "unreadClientCount" = x.unread_client,
    "lastMessageAt" = CASE WHEN x.current_last IS NULL OR x.current_last < x.newest
        THEN {app_datetime[x.newest]} ELSE pc."lastMessageAt" END,
    "updatedAt" = {app_datetime[:now]}
FROM (
    SELECT
        c.id,
        SUM(CASE WHEN mv."senderType" = 'CLIENT' AND NOT mv."isRead" THEN 1 ELSE 0 END)
            AS unread_agent,
        SUM(CASE WHEN mv."senderType" = 'AGENT' AND NOT mv."isRead" THEN 1 ELSE 0 END)
            AS unread_client,
        MAX({instant[mv."createdAt"]}) AS newest,
        {instant[c."lastMessageAt"]} AS current_last
    FROM property_conversations AS c
    LEFT JOIN messages_v2 AS mv ON mv."conversationId" = c.id
    WHERE c.id IN (
        SELECT sc.id FROM v2_backfill.stage_conversations AS sc
        UNION
        SELECT target.id FROM property_conversations AS target
        WHERE target."propertyId" IN (
            SELECT sm.property_id FROM v2_backfill.stage_v2_messages AS sm
        )
    )
    GROUP BY c.id
) AS x
WHERE pc.id = x.id
    AND (
        pc."unreadAgentCount" <> x.unread_agent
        OR pc."unreadClientCount" <> x.unread_client
        OR (x.current_last IS NULL AND x.newest IS NOT NULL)
        OR x.current_last < x.newest
    );
