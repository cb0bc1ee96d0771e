-- severity: critical
-- description: senderType is AGENT or CLIENT, and type is TEXT, IMAGE, FILE or SYSTEM (Prisma's enums).
SELECT mv.id AS message_id, CAST(mv."senderType" AS TEXT) AS sender_type,
    CAST(mv.type AS TEXT) AS type
FROM {messages} AS mv
WHERE CAST(mv."senderType" AS TEXT) NOT IN ('AGENT', 'CLIENT')
    OR CAST(mv.type AS TEXT) NOT IN ('TEXT', 'IMAGE', 'FILE', 'SYSTEM')
