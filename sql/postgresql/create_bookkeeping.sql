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

CREATE INDEX IF NOT EXISTS lineage_run_idx ON v2_backfill.lineage (run_id);

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

CREATE INDEX IF NOT EXISTS stage_messages_thread_idx
    ON v2_backfill.stage_messages (legacy_conversation_id, created_at, message_id);

CREATE INDEX IF NOT EXISTS stage_messages_property_idx ON v2_backfill.stage_messages (property_id);

CREATE UNLOGGED TABLE IF NOT EXISTS v2_backfill.stage_attribution (
    message_id TEXT PRIMARY KEY,
    property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT
);
