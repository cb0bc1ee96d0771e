-- severity: critical
-- description: Every message whose content the pipeline copied from legacy has the same MD5 checksum as its legacy message's content.
SELECT w.id AS legacy_message_id, md5(m.content) AS legacy_md5, md5(w.content) AS v2_md5
FROM {copied_content} AS w
JOIN {legacy_messages} AS m ON m.id = w.id
WHERE COALESCE(md5(w.content), '-') <> COALESCE(md5(m.content), '-')
