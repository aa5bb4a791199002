-- Removes tag $key from version $version of model $model_id (nothing if absent).
DELETE FROM ucsql_model_version_tag WHERE model_id = $model_id AND version = $version AND key = $key;
