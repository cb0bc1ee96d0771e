-- Records, in the publishing (or rollback) transaction, the encoding every V2 row the pipeline
-- wrote is in once it commits. Binds :encoding, :now (epoch ms).
INSERT INTO v2_backfill.datetime_encoding (id, encoding, recorded_at)
VALUES (1, :encoding, :now)
ON CONFLICT (id) DO UPDATE SET encoding = excluded.encoding, recorded_at = excluded.recorded_at;
