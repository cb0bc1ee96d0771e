-- Puts back, for the review runs among those rolled back (run in the rollback's transaction,
-- before rollback.sql), the state their decided messages had before them (review_prior).
-- First the migrated messages a run moved (an audit label `wrong` naming the right property:
-- a prior lineage row) and that are still where it put them (rule reviewer, its decision not
-- replaced by a later run): each goes back to its former property's conversation and its
-- lineage row gets its former property, rule, run, confidence and evidence back (rollback.sql
-- then recounts the conversations they left and rejoined, and leaves the messages, as their
-- lineage is no longer the rolled-back runs'). Then the quarantine rows of the messages the
-- runs placed or kept in quarantine, with their reason, detail, run and segment (rollback.sql
-- then removes the messages_v2 rows and lineage the runs created, and the runs' decisions,
-- audit labels and prior states). Binds :run_ids (JSON array of run ids). Fills json_texts
-- (Database.fills).
UPDATE messages_v2 AS mv
SET "conversationId" = pc.id
FROM v2_backfill.review_prior AS p
JOIN v2_backfill.lineage AS l ON l.legacy_message_id = p.legacy_message_id
JOIN v2_backfill.decisions AS d
    ON d.legacy_message_id = p.legacy_message_id AND d.run_id = p.run_id
JOIN property_conversations AS pc ON pc."propertyId" = p.property_id
WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.lineage_run_id IS NOT NULL
    AND l.rule = 'reviewer' AND mv.id = p.legacy_message_id
    AND mv."conversationId" = l.conversation_id;

UPDATE v2_backfill.lineage AS l
SET conversation_id = mv."conversationId", property_id = p.property_id, rule = p.rule,
    run_id = p.lineage_run_id, confidence = p.confidence, evidence = p.evidence
FROM v2_backfill.review_prior AS p
JOIN messages_v2 AS mv ON mv.id = p.legacy_message_id
WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.lineage_run_id IS NOT NULL
    AND l.legacy_message_id = p.legacy_message_id AND l.conversation_id <> mv."conversationId";

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
