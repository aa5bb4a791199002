-- The manifest of $from_location, recorded again for $storage_location (a copy of a version
-- within the registry: the same files, hard-linked). Returns how many files it names.
INSERT INTO ucsql_stored_file (storage_location, path, bytes, sha256)
SELECT $storage_location, path, bytes, sha256
FROM ucsql_stored_file
WHERE storage_location = $from_location
RETURNING path;
