-- Records the identity of the store's database, replacing the one recorded before. Binds
-- :legacy_sample (JSON), :file_device, :file_inode, :file_path (NULL on PostgreSQL), :now (a
-- timestamp as the store keeps it).
DELETE FROM v2_backfill.identity;

INSERT INTO v2_backfill.identity
    (singleton, legacy_sample, file_device, file_inode, file_path, recorded_at)
VALUES (1, :legacy_sample, :file_device, :file_inode, :file_path, :now);
