-- Indexes a sync's materialized audit tables (create_bookkeeping) by the keys its checks join
-- them on: SQLite's planner would otherwise scan them once per probing row (PostgreSQL's
-- hashes them, and keeps none). Idempotent. Binds nothing.
CREATE INDEX IF NOT EXISTS v2_backfill.audit_lineage_message ON audit_lineage (legacy_message_id);

CREATE INDEX IF NOT EXISTS v2_backfill.audit_quarantine_message
ON audit_quarantine (legacy_message_id);

CREATE INDEX IF NOT EXISTS v2_backfill.audit_messages_id ON audit_messages (id);

CREATE INDEX IF NOT EXISTS v2_backfill.audit_messages_conversation
ON audit_messages ("conversationId");
