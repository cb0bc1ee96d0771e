-- Indexes the text rules' results by message, unique (see stage_attribution in
-- create_bookkeeping): once they are all loaded, before apply_attribution and every later
-- step look them up by message. Idempotent (a retried step). Binds nothing. Fills
-- index_store, view_store.
CREATE UNIQUE INDEX IF NOT EXISTS {index_store}stage_attribution_message
ON {view_store}stage_attribution (message_id);
