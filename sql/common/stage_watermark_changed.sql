-- Records, for a sync, the cursor of the newest legacy message from its changed ones, read by
-- their ids from stage_scope instead of from every legacy message: each message in scope
-- that is not context_only is a change (after :since_messages, :since_messages_id) or an
-- older message of a conversation staged whole, and every message not a change is older than
-- every change, so the newest of them is the table's newest whenever anything changed; when
-- nothing did, no row is written (and stage_watermark reads the table). Binds nothing. Fills
-- instant, bytewise (Database.fills).
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_watermarks (table_name, updated_at, row_id)
SELECT 'messages', x.updated_at, x.id
FROM (
    SELECT {instant[t."updatedAt"]} AS updated_at, t.id
    FROM messages AS t
    JOIN v2_backfill.stage_scope AS s ON s.message_id = t.id
    WHERE NOT s.context_only
    ORDER BY updated_at DESC, t.id{bytewise} DESC
    LIMIT 1
) AS x
WHERE (x.updated_at, x.id{bytewise}) > (:since_messages, :since_messages_id);
