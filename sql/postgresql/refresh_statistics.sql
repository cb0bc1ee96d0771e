-- After a publish that staged every legacy message (a backfill, a reconciling sync): refresh
-- the planner's statistics of the tables it bulk-wrote, so the next sync's slice queries probe
-- indexes instead of hashing whole tables (autovacuum would get there, but not in time for a
-- sync started right after). Statistics only: no row changes. Binds nothing.
ANALYZE messages_v2;

ANALYZE property_conversations;

ANALYZE v2_backfill.lineage;

ANALYZE v2_backfill.quarantine;
