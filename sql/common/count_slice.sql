-- Counts the staged messages the run places (a sync's context-only ones aside). Binds nothing.
SELECT COUNT(*) AS messages FROM v2_backfill.slice_messages;
