-- Indexes the text rules' results by message, unique (see stage_attribution in
-- create_bookkeeping): once they are all loaded, before apply_attribution and every later
-- step look them up by message. Idempotent (a retried step). Binds nothing.
CREATE UNIQUE INDEX IF NOT EXISTS stage_attribution_message
ON v2_backfill.stage_attribution (message_id);
