-- Stages the legacy messages that placeholder legacy_messages names (all, or a sync's slice,
-- each with its context_only flag), as read in one snapshot: normalised fields, the content
-- and its MD5, what the bookkeeping knows of each (prior_*: the lineage; v2_conversation_id:
-- its messages_v2 row's conversation) and the set-based attribution rules
-- (conversation_property, single_property_timeline) or a quarantine reason, with the raw value
-- in its detail; shared messages of multi-property timelines stay pending (property_id, rule
-- and reason NULL) for the text rules. One file for both dialects: the adapter fills the
-- expressions that read cells (Database.fills; over m, the legacy row, except content_md5
-- and content_head, over the judged row): legacy_boolean and legacy_instant (a cell in the
-- V2 encoding, NULL when it holds no valid one: SQLite's cells may hold anything),
-- content_storage ('TEXT' when the content is text), content_is_utf8,
-- content_md5 (NULL unless the content is valid text, so that a legacy edit to bytes that are
-- not is never carried to a migrated message), content_head (its first bytes), quote (a
-- function quoting a raw value) and materialized
-- (how the judged rows are kept: inlined, SQLite would evaluate the reason's expression again
-- for every column that reads it). The content's reasons come first: the report and the
-- preview read the content of every quarantined message but theirs. Binds nothing. Reads
-- legacy tables only.
-- Writes into staging the caller has emptied (v2_backfill.backfill.STAGE_STAGING).
INSERT INTO v2_backfill.stage_messages (
    message_id, legacy_conversation_id, timeline_id, is_shared, conversation_active,
    sender_id, sender_type, is_read, read_at, created_at, updated_at, content, content_md5,
    prior_property_id, prior_content_md5, v2_conversation_id, property_id, rule, reason, detail,
    context_only
)
WITH timeline_properties AS (
    SELECT "timelineId" AS timeline_id, COUNT(*) AS property_count, MIN(id) AS any_property_id
    FROM properties
    GROUP BY "timelineId"
),
facts AS (
    SELECT
        m.id AS message_id,
        m."conversationId" AS legacy_conversation_id,
        c.id IS NOT NULL AS has_conversation,
        c."timelineId" AS timeline_id,
        c."propertyId" AS conversation_property_id,
        c."isActive" AS conversation_active,
        t.id IS NOT NULL AS has_timeline,
        u.id IS NOT NULL AND cl.id IS NOT NULL AS has_parties,
        p.id IS NOT NULL AS has_property,
        p."timelineId" AS property_timeline_id,
        tp.property_count,
        tp.any_property_id,
        mv.id IS NOT NULL AND l.legacy_message_id IS NULL AS id_taken,
        l.legacy_message_id IS NOT NULL AND mv.id IS NULL AS removed_from_v2,
        l.property_id AS prior_property_id,
        l.content_md5 AS prior_content_md5,
        CASE WHEN l.legacy_message_id IS NOT NULL THEN mv."conversationId" END
            AS v2_conversation_id,
        m."senderId" AS sender_id,
        m."senderType" AS raw_sender_type,
        CASE
            WHEN UPPER(TRIM(m."senderType")) IN ('AGENT', 'CLIENT') THEN UPPER(TRIM(m."senderType"))
            WHEN m."senderId" = c."agentId" THEN 'AGENT'
            WHEN m."senderId" = c."clientId" THEN 'CLIENT'
        END AS sender_type,
        m."isRead" AS raw_is_read,
        {legacy_boolean[m."isRead"]} AS is_read,
        m."readAt" AS raw_read_at,
        {legacy_instant[m."readAt"]} AS read_at,
        m."createdAt" AS raw_created_at,
        {legacy_instant[m."createdAt"]} AS created_at,
        m."updatedAt" AS raw_updated_at,
        {legacy_instant[m."updatedAt"]} AS updated_at,
        m.content,
        {content_storage} AS content_storage,
        {content_is_utf8} AS content_is_utf8,
        m.context_only
    FROM {legacy_messages} AS m
    LEFT JOIN conversations AS c ON c.id = m."conversationId"
    LEFT JOIN timelines AS t ON t.id = c."timelineId"
    LEFT JOIN users AS u ON u.id = t."agentId"
    LEFT JOIN clients AS cl ON cl.id = t."clientId"
    LEFT JOIN properties AS p ON p.id = c."propertyId"
    LEFT JOIN timeline_properties AS tp ON tp.timeline_id = c."timelineId"
    LEFT JOIN messages_v2 AS mv ON mv.id = m.id
    LEFT JOIN v2_backfill.lineage AS l ON l.legacy_message_id = m.id
),
judged AS {materialized} (
    SELECT
        f.*,
        CASE
            WHEN f.content_storage <> 'TEXT' THEN 'invalid_content_type'
            WHEN NOT f.content_is_utf8 THEN 'invalid_content_encoding'
            WHEN f.legacy_conversation_id IS NULL THEN 'missing_conversation'
            WHEN NOT f.has_conversation THEN 'orphan_message'
            WHEN f.removed_from_v2 THEN 'removed_from_v2'
            WHEN f.id_taken THEN 'id_taken_by_native_message'
            WHEN f.created_at IS NULL OR f.updated_at IS NULL
                OR (f.raw_read_at IS NOT NULL AND f.read_at IS NULL) THEN 'invalid_timestamp'
            WHEN f.is_read IS NULL THEN 'invalid_boolean'
            WHEN f.sender_id IS NULL THEN 'missing_sender'
            WHEN f.sender_type IS NULL THEN 'unknown_sender'
            WHEN f.conversation_property_id IS NOT NULL AND NOT f.has_property
                THEN 'conversation_property_missing'
            WHEN f.conversation_property_id IS NOT NULL
                AND f.property_timeline_id IS DISTINCT FROM f.timeline_id
                THEN 'conversation_property_in_other_timeline'
            WHEN NOT f.has_timeline THEN 'timeline_missing'
            WHEN NOT f.has_parties THEN 'timeline_agent_or_client_missing'
            WHEN f.conversation_property_id IS NULL AND f.property_count IS NULL
                THEN 'timeline_without_properties'
        END AS reason
    FROM facts AS f
)
SELECT
    message_id,
    legacy_conversation_id,
    timeline_id,
    conversation_property_id IS NULL,
    conversation_active,
    sender_id,
    sender_type,
    is_read,
    read_at,
    created_at,
    updated_at,
    content,
    CASE WHEN content_storage = 'TEXT' AND content_is_utf8 THEN {content_md5} END,
    prior_property_id,
    prior_content_md5,
    v2_conversation_id,
    CASE
        WHEN reason IS NOT NULL THEN NULL
        WHEN conversation_property_id IS NOT NULL THEN conversation_property_id
        WHEN property_count = 1 THEN any_property_id
    END,
    CASE
        WHEN reason IS NOT NULL THEN NULL
        WHEN conversation_property_id IS NOT NULL THEN 'conversation_property'
        WHEN property_count = 1 THEN 'single_property_timeline'
    END,
    reason,
    CASE reason
        WHEN 'missing_conversation' THEN 'conversationId is NULL'
        WHEN 'orphan_message' THEN 'legacy conversation ' || legacy_conversation_id || ' does not exist'
        WHEN 'removed_from_v2' THEN 'migrated to the conversation of property '
            || prior_property_id || ', then removed from messages_v2; not copied again'
        WHEN 'id_taken_by_native_message' THEN 'messages_v2 already holds a native row with this id'
        WHEN 'invalid_content_type' THEN 'content is ' || content_storage || ', not TEXT'
            || CASE WHEN content IS NOT NULL THEN ': ' || {quote}({content_head}) ELSE '' END
        WHEN 'invalid_content_encoding' THEN 'content is not valid UTF-8, starting '
            || {quote}({content_head})
        WHEN 'invalid_timestamp' THEN substr(
            CASE WHEN created_at IS NULL THEN '; createdAt ' || {quote}(raw_created_at) ELSE '' END
            || CASE WHEN updated_at IS NULL THEN '; updatedAt ' || {quote}(raw_updated_at) ELSE '' END
            || CASE WHEN raw_read_at IS NOT NULL AND read_at IS NULL
                THEN '; readAt ' || {quote}(raw_read_at) ELSE '' END, 3)
            || ': not epoch milliseconds (INTEGER), nor ''YYYY-MM-DD HH:MM:SS[.fff]'' or '
            || 'ISO 8601 with a zone (TEXT)'
        WHEN 'invalid_boolean' THEN 'isRead ' || {quote}(raw_is_read) || ' is neither 0 nor 1'
        WHEN 'missing_sender' THEN 'senderId is NULL'
        WHEN 'unknown_sender' THEN 'senderType ' || {quote}(raw_sender_type)
            || ' and senderId ' || sender_id || ' match neither the agent nor the client'
        WHEN 'conversation_property_missing' THEN 'property ' || conversation_property_id
            || ' does not exist'
        WHEN 'conversation_property_in_other_timeline' THEN 'property ' || conversation_property_id
            || ' belongs to timeline ' || property_timeline_id || ', not ' || timeline_id
        WHEN 'timeline_missing' THEN 'timeline ' || timeline_id || ' does not exist'
        WHEN 'timeline_agent_or_client_missing' THEN 'the agent or client of timeline '
            || timeline_id || ' does not exist'
        WHEN 'timeline_without_properties' THEN 'timeline ' || timeline_id || ' has no properties'
    END,
    context_only
FROM judged;
