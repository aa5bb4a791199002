-- The highest existing version number of model $model_id (NULL if it has none).
SELECT max(version) AS latest FROM ucsql_model_version WHERE model_id = $model_id;
