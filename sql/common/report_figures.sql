-- The state-wide figures of a report, over the relations of the audited mode (placeholders
-- filled by expectations.relations). Binds nothing.
SELECT
    (SELECT COUNT(*) FROM {legacy_messages} AS m) AS legacy_messages,
    (SELECT COUNT(*) FROM {lineage} AS l) AS messages_migrated,
    (SELECT COUNT(*) FROM {quarantine} AS q) AS messages_quarantined,
    (SELECT COUNT(*) FROM {conversations} AS c) AS property_conversations;
