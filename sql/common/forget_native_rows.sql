-- Forgets the recorded native V2 rows that placeholder native_rows selects (a sync's slice,
-- recorded anew next by snapshot_native). Binds nothing.
DELETE FROM v2_backfill.native_rows
WHERE row_id IN (SELECT row_id FROM ({native_rows}) AS n);
