-- Brings the quarantine of a store of an older layout up to date: it gains the segment a
-- reviewer decides each message in (NULL: not recorded; the next run records it). Binds
-- nothing.
ALTER TABLE v2_backfill.quarantine ADD COLUMN segment TEXT;
