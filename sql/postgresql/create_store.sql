-- Creates the schema v2_backfill that holds the pipeline's store (before create_bookkeeping;
-- SQLite's store is the sidecar file, attached as it opens). Idempotent. Binds nothing.
CREATE SCHEMA IF NOT EXISTS v2_backfill;
