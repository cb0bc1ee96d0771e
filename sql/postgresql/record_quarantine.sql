-- Records the staged messages that no rule placed, with their reason (a message that is
-- already migrated is never quarantined), and forgets quarantine rows of messages that are
-- now migrated: every legacy message is in exactly one of lineage and quarantine.
-- Binds :run_id.
INSERT INTO v2_backfill.quarantine (legacy_message_id, legacy_conversation_id, reason, detail, run_id)
SELECT s.message_id, s.legacy_conversation_id, s.reason, s.detail, :run_id
FROM v2_backfill.stage_messages AS s
WHERE s.reason IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM v2_backfill.lineage AS l WHERE l.legacy_message_id = s.message_id)
ON CONFLICT (legacy_message_id) DO UPDATE
SET reason = excluded.reason, detail = excluded.detail, run_id = excluded.run_id
WHERE quarantine.reason IS DISTINCT FROM excluded.reason
    OR quarantine.detail IS DISTINCT FROM excluded.detail;

DELETE FROM v2_backfill.quarantine
WHERE legacy_message_id IN (
    SELECT l.legacy_message_id FROM v2_backfill.lineage AS l WHERE l.run_id = :run_id
);
