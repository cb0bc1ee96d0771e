-- Puts back, for the review runs among those rolled back (run in the rollback's transaction,
-- before rollback.sql), the state their decided messages had before them (review_prior): the
-- quarantine rows of the messages they placed or kept in quarantine, with their reason,
-- detail, run and segment (rollback.sql then removes the messages_v2 rows and lineage the runs
-- created); and drops their decisions, audit labels and prior states. Binds :run_ids (JSON
-- array of run ids). Fills json_texts (Database.fills).
INSERT INTO v2_backfill.quarantine (
    legacy_message_id, legacy_conversation_id, reason, detail, run_id, segment
)
SELECT p.legacy_message_id, m."conversationId", p.reason, p.detail, p.quarantine_run_id,
    p.segment
FROM v2_backfill.review_prior AS p
JOIN messages AS m ON m.id = p.legacy_message_id
WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.reason IS NOT NULL
ON CONFLICT (legacy_message_id) DO UPDATE
SET reason = excluded.reason, detail = excluded.detail, run_id = excluded.run_id,
    segment = excluded.segment;

DELETE FROM v2_backfill.decisions WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.audit_labels WHERE run_id IN ({json_texts[:run_ids]});

DELETE FROM v2_backfill.review_prior WHERE run_id IN ({json_texts[:run_ids]});
