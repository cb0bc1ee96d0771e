-- The identity this store recorded of its database (none: a store of an earlier version, or
-- one no run wrote yet). Binds nothing.
SELECT legacy_sample, file_device, file_inode, file_path FROM v2_backfill.identity;
