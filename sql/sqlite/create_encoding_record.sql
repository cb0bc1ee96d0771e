-- The SQLite DateTime encoding every V2 row the pipeline wrote was in when the last publish
-- (or rollback) committed: one row, written in that transaction (record_encoding). A publish
-- in the same encoding need not read those rows again; one in another, or with no row (a
-- store of an older layout), re-encodes them all. Idempotent. Binds nothing.
CREATE TABLE IF NOT EXISTS v2_backfill.datetime_encoding (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    encoding TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
