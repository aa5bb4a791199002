-- Removes tag $key from version $version of model $model_id (nothing if absent); returns the key
-- if it was there.
DELETE FROM ucsql_model_version_tag WHERE model_id = $model_id AND version = $version AND key = $key
RETURNING key;
