-- Creates the pipeline's own schema v2_backfill and its tables (outside the app's schema, so
-- Prisma sees no drift). Idempotent. Binds nothing.
CREATE SCHEMA IF NOT EXISTS v2_backfill;

CREATE TABLE IF NOT EXISTS v2_backfill.runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TIMESTAMP(3) NOT NULL,
    finished_at TIMESTAMP(3),
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

CREATE UNLOGGED TABLE IF NOT EXISTS v2_backfill.stage_messages (
    message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT NOT NULL,
    timeline_id TEXT,
    is_shared BOOLEAN NOT NULL,
    conversation_active BOOLEAN,
    sender_id TEXT NOT NULL,
    sender_type TEXT,
    is_read BOOLEAN NOT NULL,
    read_at TIMESTAMP(3),
    created_at TIMESTAMP(3),
    updated_at TIMESTAMP(3),
    property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT
);

CREATE UNLOGGED TABLE IF NOT EXISTS v2_backfill.stage_attribution (
    message_id TEXT PRIMARY KEY,
    property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT
);

-- The run's result, written here first and audited before anything reaches the app's tables
-- (write - audit - publish). Columns named and ordered as in the V2 tables (enums as TEXT);
-- no NOT NULL or UNIQUE beyond the primary key, so that the gate, not a constraint, judges.
CREATE UNLOGGED TABLE IF NOT EXISTS v2_backfill.stage_conversations (
    id TEXT PRIMARY KEY,
    "propertyId" TEXT,
    "timelineId" TEXT,
    "agentId" TEXT,
    "clientId" TEXT,
    status TEXT,
    "unreadAgentCount" INTEGER,
    "unreadClientCount" INTEGER,
    "lastMessageAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3),
    is_new BOOLEAN NOT NULL
);

CREATE INDEX IF NOT EXISTS stage_conversations_property_idx
    ON v2_backfill.stage_conversations ("propertyId");

CREATE UNLOGGED TABLE IF NOT EXISTS v2_backfill.stage_v2_messages (
    id TEXT PRIMARY KEY,
    "conversationId" TEXT,
    "senderId" TEXT,
    "senderType" TEXT,
    content TEXT,
    type TEXT,
    "isRead" BOOLEAN,
    "readAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3),
    legacy_conversation_id TEXT,
    property_id TEXT,
    rule TEXT
);

CREATE UNLOGGED TABLE IF NOT EXISTS v2_backfill.stage_quarantine (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT,
    reason TEXT,
    detail TEXT
);

-- Row counts and order-independent checksums of the legacy tables at a run's start.
CREATE TABLE IF NOT EXISTS v2_backfill.snapshots (
    run_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    checksum BIGINT NOT NULL,
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
