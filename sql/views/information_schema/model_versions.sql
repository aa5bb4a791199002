-- system.information_schema.model_versions: every version of the models the caller may see,
-- with its aliases (a list) and tags (a map). The map is built from two ordered lists rather
-- than from a list of (key, value) structs: DuckDB aggregates plain lists several times faster,
-- and this view is what every search reads.
CREATE OR REPLACE TEMP VIEW sys__information_schema__model_versions AS
SELECT
    o.catalog_name,
    o.schema_name,
    o.model_name,
    o.full_name,
    v.version,
    v.source,
    v.run_id,
    v.run_link,
    v.logged_model_id,
    v.status,
    v.status_message,
    v.storage_location,
    v.comment,
    coalesce((SELECT list(a.alias ORDER BY a.alias) FROM ucsql_model_alias AS a
              WHERE a.model_id = v.model_id AND a.version = v.version), []) AS aliases,
    coalesce((SELECT map(list(t.key ORDER BY t.key), list(t.value ORDER BY t.key)) FROM ucsql_model_version_tag AS t
              WHERE t.model_id = v.model_id AND t.version = v.version), MAP {}) AS tags,
    v.created_at,
    v.created_by,
    v.updated_at,
    v.updated_by
FROM ucsql_model_version AS v
JOIN ucsql_catalog_objects() AS o ON o.securable_id = v.model_id
WHERE v.model_id IN (SELECT securable_id FROM ucsql_visible_now);
