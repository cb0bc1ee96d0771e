-- The encoding the pipeline's V2 rows were in at the last publish or rollback (no row: not
-- known). Binds nothing.
SELECT e.encoding FROM v2_backfill.datetime_encoding AS e WHERE e.id = 1;
