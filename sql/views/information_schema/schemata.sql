-- system.information_schema.schemata: the schemas the caller may see.
CREATE OR REPLACE TEMP VIEW sys__information_schema__schemata AS
SELECT
    o.catalog_name,
    o.schema_name,
    o.owner AS schema_owner,
    o.comment,
    ucsql_location_path(o.storage_root) AS storage_root,
    o.created_at AS created,
    o.created_by,
    o.updated_at AS last_altered,
    o.updated_by AS last_altered_by
FROM ucsql_catalog_objects() AS o
WHERE o.kind = 'SCHEMA'
  AND o.securable_id IN (SELECT securable_id FROM ucsql_visible_now);
