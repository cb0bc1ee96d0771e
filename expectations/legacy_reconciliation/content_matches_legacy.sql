-- severity: critical
-- description: Every migrated message's content has the same MD5 checksum as its legacy message's content.
SELECT l.legacy_message_id, md5(m.content) AS legacy_md5, md5(mv.content) AS v2_md5
FROM {lineage} AS l
JOIN messages AS m ON m.id = l.legacy_message_id
JOIN {messages} AS mv ON mv.id = l.legacy_message_id
WHERE COALESCE(md5(mv.content), '-') <> COALESCE(md5(m.content), '-')
