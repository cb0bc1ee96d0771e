-- Records, in the staging snapshot, the cursor of the newest row of each legacy table a sync
-- reads changes from: (updatedAt, id) of the row updated last, ties broken by the greatest id
-- in byte order. Binds nothing.
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_watermarks (table_name, updated_at, row_id)
SELECT * FROM (
    SELECT 'messages', m."updatedAt", m.id FROM messages AS m
    ORDER BY m."updatedAt" DESC, m.id COLLATE "C" DESC LIMIT 1
) AS newest_message
UNION ALL
SELECT * FROM (
    SELECT 'conversations', c."updatedAt", c.id FROM conversations AS c
    ORDER BY c."updatedAt" DESC, c.id COLLATE "C" DESC LIMIT 1
) AS newest_conversation
UNION ALL
SELECT * FROM (
    SELECT 'properties', p."updatedAt", p.id FROM properties AS p
    ORDER BY p."updatedAt" DESC, p.id COLLATE "C" DESC LIMIT 1
) AS newest_property;
