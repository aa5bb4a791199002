-- How many aliases does model $model_id have?
SELECT count(*) AS n FROM ucsql_model_alias WHERE model_id = $model_id;
