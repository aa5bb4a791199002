-- The manifest of the folder $storage_location: its files' paths, sizes and SHA-256.
SELECT path, bytes, sha256 FROM ucsql_stored_file WHERE storage_location = $storage_location ORDER BY path;
