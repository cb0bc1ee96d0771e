-- A reconciling sync's hard-delete findings: how many, and how many it removed. Binds nothing.
SELECT
    (SELECT COUNT(*) FROM v2_backfill.stage_deletions) AS found,
    (SELECT COUNT(*) FROM v2_backfill.stage_deletions WHERE removed) AS removed;
