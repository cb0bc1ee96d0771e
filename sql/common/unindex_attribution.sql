-- Drops the index of the text rules' results (index_attribution) before the run loads them
-- anew: a bulk load into a table without it, the index built once afterwards. Binds nothing.
DROP INDEX IF EXISTS v2_backfill.stage_attribution_message;
