-- How many legacy conversations of the audited messages (relation legacy_messages) are shared
-- by their timeline's properties. Binds nothing.
SELECT COUNT(*) FROM conversations AS c
WHERE c."propertyId" IS NULL AND c.id IN (SELECT m."conversationId" FROM {legacy_messages} AS m);
