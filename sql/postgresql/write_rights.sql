-- What a run that writes (backfill, sync, rollback) needs of the session and its role, read
-- from the catalog: a session that may write, CREATE on the app schema (the V2 tables), and
-- for the bookkeeping schema, CREATE on the database while it is missing, else membership in
-- the role owning it (every run rebuilds its staging and views, which only their owner may).
-- One row. Binds :schema (the app schema).
SELECT
    current_setting('transaction_read_only') = 'on' AS read_only,
    has_schema_privilege(:schema, 'CREATE') AS creates_in_app,
    has_database_privilege(current_database(), 'CREATE') AS creates_schemas,
    current_database() AS database,
    current_user AS role,
    n.oid IS NOT NULL AS store_present,
    pg_get_userbyid(n.nspowner) AS store_owner,
    COALESCE(pg_has_role(n.nspowner, 'MEMBER'), FALSE) AS owns_store
FROM (SELECT 1) AS one
LEFT JOIN pg_namespace AS n ON n.nspname = 'v2_backfill';
