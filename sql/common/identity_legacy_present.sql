-- How many of a recorded fingerprint's legacy ids the database holds (primary-key lookups).
-- Binds :messages, :conversations (JSON arrays of ids). Fills json_texts. Reads legacy tables
-- only.
SELECT
    (SELECT COUNT(*) FROM messages WHERE id IN ({json_texts[:messages]}))
    + (SELECT COUNT(*) FROM conversations WHERE id IN ({json_texts[:conversations]}))
    AS present;
