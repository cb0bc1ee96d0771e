-- Creates the pipeline's own tables in the sidecar file attached as v2_backfill (never in the
-- app's database file, so Prisma sees no drift). Idempotent. Binds nothing.
CREATE TABLE IF NOT EXISTS v2_backfill.runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    params TEXT NOT NULL,
    summary TEXT
);

CREATE TABLE IF NOT EXISTS v2_backfill.lineage (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    property_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    run_id TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS v2_backfill.quarantine (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT,
    reason TEXT NOT NULL,
    detail TEXT,
    run_id TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS v2_backfill.created_conversations (
    conversation_id TEXT PRIMARY KEY,
    property_id TEXT NOT NULL,
    run_id TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS v2_backfill.stage_messages (
    message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT NOT NULL,
    timeline_id TEXT,
    is_shared INTEGER NOT NULL,
    conversation_active INTEGER,
    sender_id TEXT NOT NULL,
    sender_type TEXT,
    is_read INTEGER NOT NULL,
    read_at INTEGER,
    created_at INTEGER,
    updated_at INTEGER,
    property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT
);

CREATE TABLE IF NOT EXISTS v2_backfill.stage_attribution (
    message_id TEXT PRIMARY KEY,
    property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT
);

-- The run's result, written here first and audited before anything reaches the app's tables
-- (write - audit - publish). Columns named and ordered as in the V2 tables; no NOT NULL or
-- UNIQUE beyond the primary key, so that the gate, not a constraint, judges the rows.
CREATE TABLE IF NOT EXISTS v2_backfill.stage_conversations (
    id TEXT PRIMARY KEY,
    "propertyId" TEXT,
    "timelineId" TEXT,
    "agentId" TEXT,
    "clientId" TEXT,
    status TEXT,
    "unreadAgentCount" INTEGER,
    "unreadClientCount" INTEGER,
    "lastMessageAt" INTEGER,
    "createdAt" INTEGER,
    "updatedAt" INTEGER,
    is_new INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS v2_backfill.stage_conversations_property_idx
    ON stage_conversations ("propertyId");

CREATE TABLE IF NOT EXISTS v2_backfill.stage_v2_messages (
    id TEXT PRIMARY KEY,
    "conversationId" TEXT,
    "senderId" TEXT,
    "senderType" TEXT,
    content TEXT,
    type TEXT,
    "isRead" INTEGER,
    "readAt" INTEGER,
    "createdAt" INTEGER,
    "updatedAt" INTEGER,
    legacy_conversation_id TEXT,
    property_id TEXT,
    rule TEXT
);

CREATE TABLE IF NOT EXISTS v2_backfill.stage_quarantine (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT,
    reason TEXT,
    detail TEXT
);

-- Row counts and order-independent checksums of the legacy tables at a run's start.
CREATE TABLE IF NOT EXISTS v2_backfill.snapshots (
    run_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    checksum INTEGER NOT NULL,
    PRIMARY KEY (run_id, table_name)
);

-- The native V2 rows (not written by the pipeline) as of the latest run's start: id and a
-- hash of the columns the pipeline must never change.
CREATE TABLE IF NOT EXISTS v2_backfill.native_rows (
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    row_hash TEXT NOT NULL,
    run_id TEXT NOT NULL,
    PRIMARY KEY (table_name, row_id)
);
