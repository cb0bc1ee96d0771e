-- severity: critical
-- description: Each property has at most one property conversation (those of the audited state, and any other the property already has).
SELECT x."propertyId" AS property_id, COUNT(*) AS conversations
FROM (
    SELECT c.id, c."propertyId" FROM {conversations} AS c
    UNION ALL
    SELECT pc.id, pc."propertyId" FROM property_conversations AS pc
    WHERE pc."propertyId" IN (SELECT c2."propertyId" FROM {conversations} AS c2)
        AND pc.id NOT IN (SELECT c3.id FROM {conversations} AS c3)
) AS x
GROUP BY x."propertyId"
HAVING COUNT(*) > 1
