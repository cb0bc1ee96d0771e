-- severity: tolerance
-- description: The share of legacy messages in quarantine stays within the configured tolerance.
SELECT q.quarantined, m.legacy_messages,
    ROUND(100.0 * q.quarantined / m.legacy_messages, 2) AS percent
FROM (SELECT {quarantined_all} AS quarantined) AS q,
    (SELECT COUNT(*) AS legacy_messages FROM {legacy_all} AS lm) AS m
WHERE m.legacy_messages > 0 AND q.quarantined > {share} * m.legacy_messages
