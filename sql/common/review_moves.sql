-- How many migrated messages the given review runs moved (an audit label `wrong` naming the
-- right property): a rollback does not move them back yet. Binds :run_ids (JSON array of run
-- ids). Fills json_texts (Database.fills).
SELECT COUNT(*) AS moved
FROM v2_backfill.review_prior AS p
WHERE p.run_id IN ({json_texts[:run_ids]}) AND p.lineage_run_id IS NOT NULL;
