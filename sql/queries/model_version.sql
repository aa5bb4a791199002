-- Version $version of model $model_id, if it exists.
SELECT version, status, storage_location, source, run_id
FROM ucsql_model_version WHERE model_id = $model_id AND version = $version;
