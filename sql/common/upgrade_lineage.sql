-- Brings the lineage of a store of the first layout up to date: it gains content_md5 (NULL: not
-- recorded; a later run records it). Run only when the column is missing. Binds nothing.
ALTER TABLE v2_backfill.lineage ADD COLUMN content_md5 TEXT;
