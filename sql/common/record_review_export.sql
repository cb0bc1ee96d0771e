-- Records one `review export` (review_exports). Binds :exported_at (ISO-8601 UTC), :folder,
-- :page (absolute paths), :queued_messages, :segments, :audit_sample.
INSERT INTO v2_backfill.review_exports (
    exported_at, folder, page, queued_messages, segments, audit_sample
)
VALUES (:exported_at, :folder, :page, :queued_messages, :segments, :audit_sample);
