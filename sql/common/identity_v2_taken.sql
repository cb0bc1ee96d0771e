-- Of the oldest :n legacy messages (by id), how many messages_v2 already holds under their id:
-- a store that records no lineage facing many is not this database's (primary-key lookups).
-- Binds :n.
SELECT COUNT(*) AS sampled, COUNT(mv.id) AS present
FROM (SELECT id FROM messages ORDER BY id LIMIT :n) AS m
LEFT JOIN messages_v2 AS mv ON mv.id = m.id;
