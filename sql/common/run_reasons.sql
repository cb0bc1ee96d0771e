-- The run's legacy messages in quarantine after publishing, by reason. Binds nothing.
SELECT q.reason, COUNT(*) AS messages
FROM v2_backfill.slice_messages AS s
JOIN v2_backfill.quarantine AS q ON q.legacy_message_id = s.message_id
GROUP BY q.reason
ORDER BY q.reason;
