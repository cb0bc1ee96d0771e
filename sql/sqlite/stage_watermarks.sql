-- Records, in the staging snapshot, the cursor of the newest row of each legacy table a sync
-- reads changes from: (updatedAt as epoch ms, id) of the row updated last, ties broken by the
-- greatest id; DateTime cells written by hand as TEXT count by their instant. Binds nothing.
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_watermarks (table_name, updated_at, row_id)
SELECT * FROM (
    SELECT 'messages', CASE typeof(m."updatedAt")
            WHEN 'integer' THEN m."updatedAt"
            WHEN 'real' THEN CAST(m."updatedAt" AS INTEGER)
            WHEN 'text' THEN CAST(ROUND((julianday(m."updatedAt") - 2440587.5) * 86400000.0) AS INTEGER)
        END AS updated_ms, m.id
    FROM messages AS m ORDER BY updated_ms DESC, m.id DESC LIMIT 1
)
UNION ALL
SELECT * FROM (
    SELECT 'conversations', CASE typeof(c."updatedAt")
            WHEN 'integer' THEN c."updatedAt"
            WHEN 'real' THEN CAST(c."updatedAt" AS INTEGER)
            WHEN 'text' THEN CAST(ROUND((julianday(c."updatedAt") - 2440587.5) * 86400000.0) AS INTEGER)
        END AS updated_ms, c.id
    FROM conversations AS c ORDER BY updated_ms DESC, c.id DESC LIMIT 1
)
UNION ALL
SELECT * FROM (
    SELECT 'properties', CASE typeof(p."updatedAt")
            WHEN 'integer' THEN p."updatedAt"
            WHEN 'real' THEN CAST(p."updatedAt" AS INTEGER)
            WHEN 'text' THEN CAST(ROUND((julianday(p."updatedAt") - 2440587.5) * 86400000.0) AS INTEGER)
        END AS updated_ms, p.id
    FROM properties AS p ORDER BY updated_ms DESC, p.id DESC LIMIT 1
);
