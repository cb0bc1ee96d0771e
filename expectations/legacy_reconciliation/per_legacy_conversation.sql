-- severity: critical
-- description: For every legacy conversation, its message count equals the messages migrated from it plus those quarantined.
SELECT x.legacy_conversation_id, SUM(x.in_legacy) AS legacy_messages,
    SUM(x.in_lineage) AS migrated, SUM(x.in_quarantine) AS quarantined
FROM (
    SELECT m."conversationId" AS legacy_conversation_id, 1 AS in_legacy, 0 AS in_lineage,
        0 AS in_quarantine
    FROM {legacy_messages} AS m
    UNION ALL
    SELECT l.legacy_conversation_id, 0, 1, 0 FROM {lineage} AS l
    UNION ALL
    SELECT q.legacy_conversation_id, 0, 0, 1 FROM {quarantine} AS q
) AS x
GROUP BY x.legacy_conversation_id
HAVING SUM(x.in_legacy) <> SUM(x.in_lineage) + SUM(x.in_quarantine)
