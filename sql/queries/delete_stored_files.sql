-- Forgets the manifest of the folder $storage_location (its last version was dropped).
DELETE FROM ucsql_stored_file WHERE storage_location = $storage_location;
