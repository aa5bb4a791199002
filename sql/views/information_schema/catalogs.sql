-- system.information_schema.catalogs: the catalogs the caller may see (USE_CATALOG, BROWSE,
-- ownership or admin). The caller is getvariable('ucsql_principal'), set by the engine.
CREATE OR REPLACE TEMP VIEW sys__information_schema__catalogs AS
SELECT
    o.catalog_name,
    o.owner AS catalog_owner,
    o.comment,
    ucsql_location_path(o.storage_root) AS storage_root,
    o.created_at AS created,
    o.created_by,
    o.updated_at AS last_altered,
    o.updated_by AS last_altered_by
FROM ucsql_catalog_objects() AS o
WHERE o.kind = 'CATALOG'
  AND o.securable_id IN (SELECT securable_id FROM ucsql_visible_now);
