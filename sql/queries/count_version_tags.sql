-- How many tags does version $version of model $model_id carry?
SELECT count(*) AS n FROM ucsql_model_version_tag WHERE model_id = $model_id AND version = $version;
