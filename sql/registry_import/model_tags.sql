-- ucsql migrate: the tags of the models in the target schema (only differences are set).
SELECT model_name, tag_name, tag_value
FROM system.information_schema.model_tags
WHERE catalog_name = $catalog AND schema_name = $schema;
