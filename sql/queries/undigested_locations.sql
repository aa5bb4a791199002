-- Folders of versions that have no content digest yet (versions registered before migration
-- 0004), one row per folder.
SELECT DISTINCT storage_location
FROM ucsql_model_version
WHERE content_digest IS NULL AND storage_location IS NOT NULL AND status = 'READY'
ORDER BY 1;
