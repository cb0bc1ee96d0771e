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

CREATE INDEX IF NOT EXISTS v2_backfill.lineage_run_idx ON lineage (run_id);

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

CREATE INDEX IF NOT EXISTS v2_backfill.stage_messages_thread_idx
    ON stage_messages (legacy_conversation_id, created_at, message_id);

CREATE INDEX IF NOT EXISTS v2_backfill.stage_messages_property_idx ON stage_messages (property_id);

CREATE TABLE IF NOT EXISTS v2_backfill.stage_attribution (
    message_id TEXT PRIMARY KEY,
    property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT
);
