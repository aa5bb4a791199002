-- The recorded folder of every model version, whatever its status and whether or not it still
-- resolves: garbage collection keeps every folder any of them names.
SELECT storage_location FROM ucsql_model_version WHERE storage_location IS NOT NULL;
