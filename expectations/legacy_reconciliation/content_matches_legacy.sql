-- severity: critical
-- description: Every message whose content the pipeline copied from legacy holds the legacy message's content byte for byte (the MD5 checksums of both are shown where they differ).
SELECT w.id AS legacy_message_id, md5(m.content) AS legacy_md5, md5(w.content) AS v2_md5
FROM {copied_content} AS w
JOIN {legacy_content} AS m ON m.id = w.id
WHERE w.content IS DISTINCT FROM m.content
