-- ucsql migrate: the aliases of the models in the target schema (only differences are set).
SELECT model_name, alias, version
FROM system.information_schema.model_aliases
WHERE catalog_name = $catalog AND schema_name = $schema;
