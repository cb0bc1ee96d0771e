-- severity: critical
-- description: Each property has at most one property conversation.
SELECT "propertyId" AS property_id, COUNT(*) AS conversations
FROM {conversations} AS c
GROUP BY "propertyId"
HAVING COUNT(*) > 1
