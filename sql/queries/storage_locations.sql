-- The file folder of every model version: what garbage collection must keep.
SELECT storage_location FROM ucsql_model_version WHERE storage_location IS NOT NULL;
