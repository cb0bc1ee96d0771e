-- The rows of each legacy table this transaction has inserted, updated or deleted so far, as
-- the server counts them (pg_stat_xact_user_tables), one row per table and operation with any
-- (there should be none). Binds :schema (the app schema), :tables (the legacy table names).
SELECT s.relname, w.operation, w.row_count
FROM pg_stat_xact_user_tables AS s
CROSS JOIN LATERAL (
    VALUES ('INSERT', s.n_tup_ins), ('UPDATE', s.n_tup_upd), ('DELETE', s.n_tup_del)
) AS w (operation, row_count)
WHERE s.schemaname = :schema AND s.relname = ANY(:tables) AND w.row_count > 0;
