-- system.information_schema.model_version_tags: the version tags of the models the caller may see.
CREATE OR REPLACE TEMP VIEW sys__information_schema__model_version_tags AS
SELECT o.catalog_name, o.schema_name, o.model_name, o.full_name, t.version, t.key AS tag_name, t.value AS tag_value
FROM ucsql_model_version_tag AS t
JOIN ucsql_catalog_objects() AS o ON o.securable_id = t.model_id
WHERE t.model_id IN (SELECT securable_id FROM ucsql_visible_now);
