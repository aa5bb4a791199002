-- Deletes alias $alias of model $model_id; returns the version it pointed to (no row if absent).
DELETE FROM ucsql_model_alias WHERE model_id = $model_id AND alias = $alias RETURNING version;
