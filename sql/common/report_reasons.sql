-- Quarantined messages by reason, over the audited mode's relations. Binds nothing.
SELECT q.reason AS name, COUNT(*) AS messages FROM {quarantine} AS q
GROUP BY q.reason ORDER BY q.reason;
