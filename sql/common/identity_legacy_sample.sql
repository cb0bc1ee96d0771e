-- The ids of the oldest legacy messages and conversations (by id, through their primary keys),
-- at most :n of each: the fingerprint of a database that a store records. Binds :n. Reads
-- legacy tables only.
SELECT 'messages' AS kind, id FROM (SELECT id FROM messages ORDER BY id LIMIT :n) AS m
UNION ALL
SELECT 'conversations' AS kind, id FROM (SELECT id FROM conversations ORDER BY id LIMIT :n) AS c;
