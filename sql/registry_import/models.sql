-- ucsql migrate: the models already in the target schema, with their comments, so a rerun
-- creates and comments only what is missing or different.
SELECT model_name, comment
FROM system.information_schema.registered_models
WHERE catalog_name = $catalog AND schema_name = $schema;
