-- Brings the lineage of a store of an older layout up to date: it gains the text rules'
-- confidence and deciding evidence (NULL: not recorded, or placed by a set-based rule).
-- Binds nothing.
ALTER TABLE v2_backfill.lineage ADD COLUMN confidence REAL;

ALTER TABLE v2_backfill.lineage ADD COLUMN evidence TEXT;
