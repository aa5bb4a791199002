-- Deletes version $version of model $model_id with its aliases, tags and lineage.
DELETE FROM ucsql_model_alias WHERE model_id = $model_id AND version = $version;
DELETE FROM ucsql_model_version_tag WHERE model_id = $model_id AND version = $version;
DELETE FROM ucsql_model_version_lineage WHERE model_id = $model_id AND version = $version;
DELETE FROM ucsql_model_version WHERE model_id = $model_id AND version = $version;
