-- The rights that a run reading the app's tables lacks (preview; validate, which also records
-- itself in v2_backfill.runs), one row per missing right, none when it can run: USAGE on the
-- app schema and SELECT on its tables that the run reads; TEMP on the database for a preview
-- (its staging are TEMP tables); when the bookkeeping schema exists, USAGE on it and SELECT on
-- its tables, and for a run that records itself INSERT and UPDATE on runs. Reads only the
-- catalog, by name (to_regclass would fail on a schema without USAGE). Binds :schema (the app
-- schema), :tables (the app tables the run reads), :records (whether it records itself).
WITH app AS (
    SELECT oid FROM pg_namespace WHERE nspname = :schema
), store AS (
    SELECT oid FROM pg_namespace WHERE nspname = 'v2_backfill'
)
SELECT 'app' AS scope, 'USAGE' AS privilege, format('SCHEMA %I', :schema) AS object
FROM app WHERE NOT has_schema_privilege(app.oid, 'USAGE')
UNION ALL
SELECT 'app', 'SELECT', format('TABLE %I.%I', :schema, c.relname)
FROM pg_class AS c JOIN app ON c.relnamespace = app.oid
WHERE c.relname = ANY(:tables) AND NOT has_table_privilege(c.oid, 'SELECT')
UNION ALL
SELECT 'temp', 'TEMP', format('DATABASE %I', current_database())
WHERE NOT CAST(:records AS BOOLEAN) AND NOT has_database_privilege(current_database(), 'TEMP')
UNION ALL
SELECT 'store', 'USAGE', 'SCHEMA v2_backfill'
FROM store WHERE NOT has_schema_privilege(store.oid, 'USAGE')
UNION ALL
SELECT 'store', 'SELECT', format('TABLE v2_backfill.%I', c.relname)
FROM pg_class AS c JOIN store ON c.relnamespace = store.oid
WHERE c.relkind IN ('r', 'v', 'p') AND NOT has_table_privilege(c.oid, 'SELECT')
UNION ALL
SELECT 'store', w.privilege, 'TABLE v2_backfill.runs'
FROM pg_class AS c JOIN store ON c.relnamespace = store.oid
CROSS JOIN (VALUES ('INSERT'), ('UPDATE')) AS w (privilege)
WHERE CAST(:records AS BOOLEAN) AND c.relname = 'runs'
    AND NOT has_table_privilege(c.oid, w.privilege);
