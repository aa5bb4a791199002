-- system.information_schema.registered_models: the models the caller may see (EXECUTE, MANAGE,
-- ownership of it or of its schema or catalog, BROWSE on the catalog, or admin; with the gates),
-- with its tags (a map) and aliases (a list of {alias, version}), and where its versions' files
-- are for whoever may load it (NULL for others).
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
    -- the folder of the model's versions, for whoever may load it (and the admin)
    CASE WHEN vis.shows_location
         THEN ucsql_location_path(coalesce(o.files_root || '/', '') || 'models/' || o.securable_id)
    END AS storage_location,
    coalesce((SELECT map(list(t.key ORDER BY t.key), list(t.value ORDER BY t.key)) FROM ucsql_securable_tag AS t
              WHERE t.securable_id = o.securable_id), MAP {}) AS tags,
    coalesce((SELECT list({'alias': a.alias, 'version': a.version} ORDER BY a.alias)
              FROM ucsql_model_alias AS a WHERE a.model_id = o.securable_id),
             []::STRUCT(alias VARCHAR, version BIGINT)[]) AS aliases
FROM ucsql_catalog_objects() AS o
JOIN ucsql_visible_now AS vis ON vis.securable_id = o.securable_id
WHERE o.kind = 'MODEL';
