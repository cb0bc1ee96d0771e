-- Migrated messages by attribution rule, over the audited mode's relations. Binds nothing.
SELECT l.rule AS name, COUNT(*) AS messages FROM {lineage} AS l GROUP BY l.rule ORDER BY l.rule;
