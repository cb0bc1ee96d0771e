-- The newest run that created lineage rows, and of at most :n of its rows how many messages_v2
-- still holds (through lineage_run and messages_v2's primary key): none, and the database is
-- older than the store. No row: the lineage is empty. Binds :n.
SELECT s.run_id, COUNT(*) AS sampled, COUNT(mv.id) AS present
FROM (
    SELECT l.legacy_message_id, l.run_id
    FROM v2_backfill.lineage AS l
    WHERE l.run_id = (SELECT MAX(run_id) FROM v2_backfill.lineage)
    LIMIT :n
) AS s
LEFT JOIN messages_v2 AS mv ON mv.id = s.legacy_message_id
GROUP BY s.run_id;
