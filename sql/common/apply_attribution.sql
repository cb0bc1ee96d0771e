-- Folds the text rules' results (loaded into stage_attribution) into the staged messages,
-- a reviewer's decision first replacing the rules' outcome of the message it names (the
-- stored decisions, and a review run's new ones in stage_decisions, which win): placed in its
-- property with rule reviewer and the evidence 'reviewer:<name>@<time>', or kept in
-- quarantine with reason reviewer and that detail. Only messages the text rules decided
-- carry a decision's outcome (a set-based reason stays: its fault is in the data). Binds
-- nothing.
UPDATE v2_backfill.stage_attribution AS a
SET property_id = d.property_id,
    rule = CASE WHEN d.property_id IS NULL THEN NULL ELSE 'reviewer' END,
    reason = CASE WHEN d.property_id IS NULL THEN 'reviewer' END,
    detail = CASE WHEN d.property_id IS NULL THEN d.evidence END,
    confidence = NULL,
    evidence = CASE WHEN d.property_id IS NULL THEN NULL ELSE d.evidence END
FROM (
    SELECT sd.legacy_message_id, sd.property_id,
        'reviewer:' || sd.reviewer || '@' || sd.decided_at AS evidence
    FROM v2_backfill.stage_decisions AS sd
    UNION ALL
    SELECT dd.legacy_message_id, dd.property_id,
        'reviewer:' || dd.reviewer || '@' || dd.decided_at
    FROM v2_backfill.decisions AS dd
    WHERE NOT EXISTS (
        SELECT 1 FROM v2_backfill.stage_decisions AS sd
        WHERE sd.legacy_message_id = dd.legacy_message_id
    )
) AS d
WHERE d.legacy_message_id = a.message_id;

UPDATE v2_backfill.stage_messages AS s
SET property_id = a.property_id, rule = a.rule, reason = a.reason, detail = a.detail
FROM v2_backfill.stage_attribution AS a
WHERE a.message_id = s.message_id;
