-- Every MANAGED LOCATION in the metastore, with the catalog or schema that set it: a new one
-- may not overlap any of them.
SELECT o.securable_id, o.kind, o.full_name, o.storage_root
FROM ucsql_catalog_objects() AS o
WHERE o.storage_root IS NOT NULL
ORDER BY o.full_name;
