-- system.information_schema.model_aliases: the aliases of the models the caller may see.
CREATE OR REPLACE TEMP VIEW sys__information_schema__model_aliases AS
SELECT o.catalog_name, o.schema_name, o.model_name, o.full_name, a.alias, a.version, a.set_at, a.set_by
FROM ucsql_model_alias AS a
JOIN ucsql_catalog_objects() AS o ON o.securable_id = a.model_id
WHERE a.model_id IN (SELECT securable_id FROM ucsql_visible_now);
