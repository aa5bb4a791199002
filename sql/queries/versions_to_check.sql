-- Every READY version with what `ucsql check` verifies: its model's full name, number, folder
-- and recorded digest, folder by folder.
SELECT o.full_name, v.version, v.storage_location, v.content_digest
FROM ucsql_model_version AS v
JOIN ucsql_catalog_objects() AS o ON o.securable_id = v.model_id
WHERE v.status = 'READY'
ORDER BY v.storage_location, o.full_name, v.version;
