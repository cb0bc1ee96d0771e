-- Creates the pipeline's own tables in its store v2_backfill (PostgreSQL: a schema the adapter
-- creates first; SQLite: the sidecar file attached under that name; never in the app's
-- schema or file, so Prisma sees no drift). Idempotent. Binds nothing. Fills timestamp_type,
-- boolean_type, create_staging_table, create_view, view_store, staged_message_key
-- (Database.fills).

CREATE TABLE IF NOT EXISTS v2_backfill.runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at {timestamp_type} NOT NULL,
    finished_at {timestamp_type},
    params TEXT NOT NULL,
    summary TEXT
);

-- Per migrated legacy message: where it went, by which rule and run (the run that created its
-- messages_v2 row), and the MD5 of the legacy content it carries (a later legacy edit shows);
-- for a text rule's placement, its confidence in [0, 1] and the deciding evidence (the message
-- or the app's activity row).
CREATE TABLE IF NOT EXISTS v2_backfill.lineage (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    property_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    run_id TEXT NOT NULL,
    content_md5 TEXT,
    confidence REAL,
    evidence TEXT
);

-- Per quarantined legacy message: reason, detail, run, and the segment a reviewer decides it
-- in (the topic run the text rules saw: its first message's id; the message's own id for the
-- other reasons; NULL: recorded before segments were).
CREATE TABLE IF NOT EXISTS v2_backfill.quarantine (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT,
    reason TEXT NOT NULL,
    detail TEXT,
    run_id TEXT NOT NULL,
    segment TEXT
);

-- A reviewer's decision per legacy message (`review apply`, a run of kind review): the
-- property to place it in (rule reviewer), or NULL to keep it in quarantine; it wins over
-- every text rule in later runs. segment: the message's segment when decided (a file keyed by
-- segment applies again); decided_at: ISO 8601 UTC.
CREATE TABLE IF NOT EXISTS v2_backfill.decisions (
    legacy_message_id TEXT PRIMARY KEY,
    property_id TEXT,
    segment TEXT,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    run_id TEXT NOT NULL
);

-- A reviewer's label of a heuristic placement of the audit sample: correct or wrong, with the
-- rule and property it judged; the rules' measured precision is counted from these.
CREATE TABLE IF NOT EXISTS v2_backfill.audit_labels (
    legacy_message_id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    property_id TEXT NOT NULL,
    label TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    labelled_at TEXT NOT NULL,
    run_id TEXT NOT NULL
);

-- Per review run and decided message, where it was before the run published (a lineage row's
-- conversation, property, rule, run, confidence and evidence, or a quarantine row's reason,
-- detail, run and segment; the decision it replaced): a rollback of the run puts it back.
CREATE TABLE IF NOT EXISTS v2_backfill.review_prior (
    run_id TEXT NOT NULL,
    legacy_message_id TEXT NOT NULL,
    conversation_id TEXT,
    property_id TEXT,
    rule TEXT,
    lineage_run_id TEXT,
    confidence REAL,
    evidence TEXT,
    reason TEXT,
    detail TEXT,
    quarantine_run_id TEXT,
    segment TEXT,
    PRIMARY KEY (run_id, legacy_message_id)
);

-- Each `review export`: when, into which folder (absolute), its review page, and what the queue
-- held then; `review status` and the run report link the latest.
CREATE TABLE IF NOT EXISTS v2_backfill.review_exports (
    exported_at TEXT NOT NULL,
    folder TEXT NOT NULL,
    page TEXT NOT NULL,
    queued_messages INTEGER NOT NULL,
    segments INTEGER NOT NULL,
    audit_sample INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS v2_backfill.created_conversations (
    conversation_id TEXT PRIMARY KEY,
    property_id TEXT NOT NULL,
    run_id TEXT NOT NULL
);

-- Migrated messages the rules would now place elsewhere (or nowhere): reported, and moved only
-- by a run with --replace. The latest finding per message.
CREATE TABLE IF NOT EXISTS v2_backfill.replacements (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT NOT NULL,
    from_property_id TEXT NOT NULL,
    to_property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT,
    run_id TEXT NOT NULL
);

-- Per legacy table, the (updatedAt, id) cursor of the newest row the latest successful run
-- read, in the snapshot it read the rows in; a sync reads from there minus its lookback.
CREATE TABLE IF NOT EXISTS v2_backfill.watermarks (
    table_name TEXT PRIMARY KEY,
    updated_at {timestamp_type},
    row_id TEXT,
    run_id TEXT NOT NULL
);

-- Per run, the cursors in place before it published (updated_at NULL: the table had none), one
-- row per table the run stored a cursor for: a rollback restores those of the oldest run it
-- rolls back, so that the next sync reads again what the rollback removed.
CREATE TABLE IF NOT EXISTS v2_backfill.prior_watermarks (
    run_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    updated_at {timestamp_type},
    row_id TEXT,
    prior_run_id TEXT,
    PRIMARY KEY (run_id, table_name)
);

-- The facts of the legacy properties and conversations that the rules read, as the latest
-- successful run saw them: a sync compares them with the live rows to find the conversations
-- whose messages it must place again (a property added, moved or readdressed; a conversation
-- given another property, timeline or parties).
CREATE TABLE IF NOT EXISTS v2_backfill.seen_properties (
    property_id TEXT PRIMARY KEY,
    timeline_id TEXT,
    address TEXT,
    position INTEGER
);

CREATE TABLE IF NOT EXISTS v2_backfill.seen_conversations (
    conversation_id TEXT PRIMARY KEY,
    timeline_id TEXT,
    property_id TEXT,
    agent_id TEXT,
    client_id TEXT
);

-- Every write a pipeline session made to a legacy table, recorded in the same transaction
-- (there should never be one: the gate's legacy_tables_unchanged fails a run on any since
-- its start). Written by the adapter: PostgreSQL from pg_stat_xact_user_tables before each
-- commit, SQLite by TEMP triggers on the legacy tables, which only the pipeline's own
-- connections have (the app's writes never fire them).
CREATE TABLE IF NOT EXISTS v2_backfill.legacy_writes (
    table_name TEXT NOT NULL,
    operation TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    recorded_at {timestamp_type} NOT NULL
);

-- The native V2 rows (not written by the pipeline) as a run saw them before its audit: id and
-- a hash of the columns the pipeline must never change.
CREATE TABLE IF NOT EXISTS v2_backfill.native_rows (
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    row_hash TEXT NOT NULL,
    run_id TEXT NOT NULL,
    PRIMARY KEY (table_name, row_id)
);

-- Staging, rebuilt by every run (on PostgreSQL unlogged: a crash loses nothing that a re-run
-- would not redo).
-- The run's options that the staged outcome depends on (one row).
{create_staging_table} v2_backfill.stage_options (
    replace {boolean_type} NOT NULL,
    full_context {boolean_type} NOT NULL
);

-- A sync's slice: the legacy messages it re-examines; context_only: read by the text rules as
-- a thread's context, not placed again.
{create_staging_table} v2_backfill.stage_scope (
    message_id TEXT PRIMARY KEY,
    context_only {boolean_type} NOT NULL
);

-- Of a sync's messages staged around its changes, the topic runs they touch (context_only
-- false: placed again) and the context each run needs (read only); starts_run: a run starts
-- there (v2_backfill.scope.keep_touched_runs).
{create_staging_table} v2_backfill.stage_runs (
    message_id TEXT PRIMARY KEY,
    context_only {boolean_type} NOT NULL,
    starts_run {boolean_type} NOT NULL
);

-- The legacy messages of the run, as read in one snapshot (content included), with what the
-- bookkeeping knew of them (prior_*: the lineage; v2_conversation_id: their messages_v2 row's)
-- and their placement: property and rule, or a quarantine reason (none for a sync's
-- context-only ones, which the text rules only read). The legacy cells may be NULL (a
-- hand-made schema): such a row is quarantined, not refused.
{create_staging_table} v2_backfill.stage_messages (
    message_id TEXT {staged_message_key},
    legacy_conversation_id TEXT,
    timeline_id TEXT,
    is_shared {boolean_type} NOT NULL,
    conversation_active {boolean_type},
    sender_id TEXT,
    sender_type TEXT,
    is_read {boolean_type},
    read_at {timestamp_type},
    created_at {timestamp_type},
    updated_at {timestamp_type},
    content TEXT,
    content_md5 TEXT,
    prior_property_id TEXT,
    prior_content_md5 TEXT,
    v2_conversation_id TEXT,
    property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT,
    context_only {boolean_type} NOT NULL
);

-- The staged messages the run places (all but a sync's context-only ones).
{create_view} v2_backfill.slice_messages AS
SELECT * FROM {view_store}stage_messages AS s WHERE NOT s.context_only;

-- The text rules' results, one row per message: loaded without an index (stage_messages drops
-- it), then indexed once, unique, by apply_attribution (index_attribution): a bulk build, not
-- an index grown row by row in the order of the threads.
{create_staging_table} v2_backfill.stage_attribution (
    message_id TEXT NOT NULL,
    property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT,
    confidence REAL,
    evidence TEXT,
    segment TEXT
);

-- A review run's decisions and audit labels, validated before the run (one row per message):
-- the rules' outcome of a decided message is replaced by the decision (apply_attribution);
-- published into decisions and audit_labels.
{create_staging_table} v2_backfill.stage_decisions (
    legacy_message_id TEXT PRIMARY KEY,
    property_id TEXT,
    segment TEXT,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL
);

{create_staging_table} v2_backfill.stage_labels (
    legacy_message_id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    property_id TEXT NOT NULL,
    label TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    labelled_at TEXT NOT NULL
);

-- The run's result, written here first and audited before anything reaches the app's tables
-- (write - audit - publish). Columns named and ordered as in the V2 tables (enums as TEXT);
-- no NOT NULL or UNIQUE beyond the primary key, so that the gate, not a constraint, judges.
-- stage_conversations: every conversation holding or receiving a message of the run, as it
-- will be.
{create_staging_table} v2_backfill.stage_conversations (
    id TEXT PRIMARY KEY,
    "propertyId" TEXT,
    "timelineId" TEXT,
    "agentId" TEXT,
    "clientId" TEXT,
    status TEXT,
    "unreadAgentCount" INTEGER,
    "unreadClientCount" INTEGER,
    "lastMessageAt" {timestamp_type},
    "createdAt" {timestamp_type},
    "updatedAt" {timestamp_type},
    is_new {boolean_type} NOT NULL
);

-- stage_v2_messages: the messages_v2 rows the run inserts (action 'insert') or changes
-- (action 'update': read state, a legacy content edit, a move), as they will be.
{create_staging_table} v2_backfill.stage_v2_messages (
    id TEXT PRIMARY KEY,
    "conversationId" TEXT,
    "senderId" TEXT,
    "senderType" TEXT,
    content TEXT,
    type TEXT,
    "isRead" {boolean_type},
    "readAt" {timestamp_type},
    "createdAt" {timestamp_type},
    "updatedAt" {timestamp_type},
    legacy_conversation_id TEXT,
    property_id TEXT,
    rule TEXT,
    content_md5 TEXT,
    action TEXT NOT NULL,
    content_changed {boolean_type} NOT NULL
);

{create_staging_table} v2_backfill.stage_quarantine (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT,
    reason TEXT,
    detail TEXT,
    segment TEXT
);

{create_staging_table} v2_backfill.stage_replacements (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT NOT NULL,
    from_property_id TEXT NOT NULL,
    from_conversation_id TEXT NOT NULL,
    to_property_id TEXT,
    rule TEXT,
    reason TEXT,
    detail TEXT,
    applied {boolean_type} NOT NULL
);

-- The property and conversation facts to store when the run publishes (all of them, with
-- stage_options.full_context; else the changed and, with deleted, the vanished ones);
-- old_timeline_id: the timeline a changed property was seen in.
{create_staging_table} v2_backfill.stage_context (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    timeline_id TEXT,
    old_timeline_id TEXT,
    property_id TEXT,
    agent_id TEXT,
    client_id TEXT,
    address TEXT,
    position INTEGER,
    deleted {boolean_type} NOT NULL,
    PRIMARY KEY (kind, id)
);

-- The properties of the timelines the text rules read, as of the run's snapshot, and the
-- client's activity on them (stage_activity: feedback and client_analytics rows with a
-- propertyId; source names the row).
{create_staging_table} v2_backfill.stage_properties (
    id TEXT PRIMARY KEY,
    timeline_id TEXT NOT NULL,
    address TEXT,
    position INTEGER,
    created_at {timestamp_type},
    mls_id TEXT,
    listing_url TEXT
);

{create_staging_table} v2_backfill.stage_activity (
    timeline_id TEXT NOT NULL,
    property_id TEXT NOT NULL,
    at {timestamp_type} NOT NULL,
    source TEXT NOT NULL
);

-- The cursors to store when the run publishes, read in the run's snapshot.
{create_staging_table} v2_backfill.stage_watermarks (
    table_name TEXT PRIMARY KEY,
    updated_at {timestamp_type},
    row_id TEXT
);


-- A reconciling sync's findings: migrated or quarantined messages whose legacy row is gone
-- (kind 'migrated' with the conversation holding its messages_v2 row, or 'quarantined'), and
-- whether the run removes what the pipeline made of them (--propagate-deletes).
{create_staging_table} v2_backfill.stage_deletions (
    legacy_message_id TEXT PRIMARY KEY,
    legacy_conversation_id TEXT,
    conversation_id TEXT,
    kind TEXT NOT NULL,
    removed {boolean_type} NOT NULL
);

-- The slice a sync's audit reads, materialized once when the audit starts (every check then
-- reads one snapshot, and the slice's joins run once): the lineage and quarantine of the
-- slice's legacy messages, and every message of the staged conversations, as they would be
-- after publishing. No keys: a duplicate is what some checks look for.
{create_staging_table} v2_backfill.audit_lineage (
    legacy_message_id TEXT,
    legacy_conversation_id TEXT,
    conversation_id TEXT,
    property_id TEXT,
    rule TEXT
);

{create_staging_table} v2_backfill.audit_quarantine (
    legacy_message_id TEXT,
    legacy_conversation_id TEXT,
    reason TEXT,
    detail TEXT
);

-- audit_messages has the V2 columns of stage_v2_messages (its rows are those and the live ones).
{create_staging_table} v2_backfill.audit_messages AS
SELECT id, "conversationId", "senderId", "senderType", content, type, "isRead", "readAt",
    "createdAt", "updatedAt"
FROM v2_backfill.stage_v2_messages
WHERE FALSE;

-- Each staged message's outcome: the property whose conversation it will be in (NULL: in
-- quarantine). A migrated message stays where it is unless the rules now name another
-- property and the run may replace, or a reviewer's decision names one; one whose messages_v2
-- row is gone is quarantined.
{create_view} v2_backfill.outcomes AS
SELECT
    s.*,
    s.prior_property_id IS NOT NULL AND s.v2_conversation_id IS NOT NULL AS migrated,
    CASE
        WHEN s.prior_property_id IS NULL THEN s.property_id
        WHEN s.v2_conversation_id IS NULL THEN NULL
        WHEN s.property_id IS NOT NULL AND (s.rule = 'reviewer'
            OR (SELECT o.replace FROM {view_store}stage_options AS o)) THEN s.property_id
        ELSE s.prior_property_id
    END AS target_property_id
FROM {view_store}slice_messages AS s;

-- The identity of the database this store belongs to (one row, recorded by the first run that
-- writes, v2_backfill/identity.py): legacy_sample, a JSON object of the ids of the oldest
-- legacy messages and conversations (by id) when it was recorded; for SQLite the app file's
-- device and inode and the name it was opened under (NULL on PostgreSQL). Every command
-- compares it with the database before it writes anything.
CREATE TABLE IF NOT EXISTS v2_backfill.identity (
    singleton INTEGER PRIMARY KEY,
    legacy_sample TEXT NOT NULL,
    file_device BIGINT,
    file_inode BIGINT,
    file_path TEXT,
    recorded_at {timestamp_type} NOT NULL
);
