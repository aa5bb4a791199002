-- system.information_schema.registered_models: the models the caller may see (EXECUTE, MANAGE,
-- ownership of it or of its schema or catalog, BROWSE on the catalog, or admin; with the gates),
-- with its tags (a map) and aliases (a list of {alias, version}).
CREATE OR REPLACE TEMP VIEW sys__information_schema__registered_models AS
SELECT
    o.catalog_name,
    o.schema_name,
    o.model_name,
    o.full_name,
    o.owner,
    o.comment,
    o.created_at,
    o.created_by,
    o.updated_at,
    o.updated_by,
    o.storage_root AS storage_location,
    coalesce((SELECT map(list(t.key ORDER BY t.key), list(t.value ORDER BY t.key)) FROM ucsql_securable_tag AS t
              WHERE t.securable_id = o.securable_id), MAP {}) AS tags,
    coalesce((SELECT list({'alias': a.alias, 'version': a.version} ORDER BY a.alias)
              FROM ucsql_model_alias AS a WHERE a.model_id = o.securable_id),
             []::STRUCT(alias VARCHAR, version BIGINT)[]) AS aliases
FROM ucsql_catalog_objects() AS o
WHERE o.kind = 'MODEL'
  AND o.securable_id IN (SELECT securable_id FROM ucsql_visible_now);
