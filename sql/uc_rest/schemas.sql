-- Unity Catalog REST (GET /schemas[/{full_name}]): the schemas of catalog $catalog the caller
-- may see, one page in name order. $schema: one schema, or NULL for all; $after: the last
-- schema name of the previous page, or NULL; $limit: the page size plus one.
SELECT schema_name AS name, catalog_name, catalog_name || '.' || schema_name AS full_name,
       comment, schema_owner AS owner, storage_root,
       epoch_ms(created) AS created_at, created_by,
       epoch_ms(last_altered) AS updated_at, last_altered_by AS updated_by
FROM system.information_schema.schemata
WHERE catalog_name = $catalog AND ($schema IS NULL OR schema_name = $schema)
  AND ($after IS NULL OR schema_name > $after)
ORDER BY schema_name
LIMIT $limit;
