-- Records the manifest of the folder $storage_location: one row per file, from the lists $paths,
-- $sizes and $hashes (element i of each describing file i).
INSERT INTO ucsql_stored_file (storage_location, path, bytes, sha256)
SELECT $storage_location, unnest($paths::VARCHAR[]), unnest($sizes::BIGINT[]),
       unnest($hashes::VARCHAR[]);
