-- Migrated messages placed by a text rule with a confidence, per rule and confidence bucket
-- (the buckets of BENCHMARKS.md's reliability table), with the lowest confidence of each,
-- over the audited mode's relations {lineage} and {confidences}. Binds nothing.
SELECT l.rule AS name,
    CASE WHEN c.confidence >= 0.99 THEN '0.99-1'
        WHEN c.confidence >= 0.98 THEN '0.98-0.99'
        WHEN c.confidence >= 0.97 THEN '0.97-0.98'
        WHEN c.confidence >= 0.9 THEN '0.90-0.97'
        ELSE '0-0.90' END AS bucket,
    COUNT(*) AS messages, MIN(c.confidence) AS lowest
FROM {lineage} AS l
JOIN {confidences} AS c ON c.legacy_message_id = l.legacy_message_id
WHERE c.confidence IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2 DESC;
