-- Brings the lineage of a store of the first layout up to date: it gains content_md5 (NULL: not
-- recorded; a later run records it). Binds nothing.
ALTER TABLE v2_backfill.lineage ADD COLUMN IF NOT EXISTS content_md5 TEXT;
