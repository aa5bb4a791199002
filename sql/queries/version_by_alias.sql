-- Which version of model $model_id does alias $alias point to? (No row if the alias is unset.)
SELECT version FROM ucsql_model_alias WHERE model_id = $model_id AND alias = $alias;
