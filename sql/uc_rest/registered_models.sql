-- Unity Catalog REST (GET /models[/{full_name}]): the registered models the caller may see, in
-- catalog $catalog and schema $schema (each NULL for all), one page in full-name order.
-- $full_name: one model, or NULL; $after: the last full name of the previous page, or NULL;
-- $limit: the page size plus one.
SELECT model_name AS name, catalog_name, schema_name, full_name, comment, owner,
       epoch_ms(created_at) AS created_at, created_by,
       epoch_ms(updated_at) AS updated_at, updated_by
FROM system.information_schema.registered_models
WHERE ($catalog IS NULL OR catalog_name = $catalog) AND ($schema IS NULL OR schema_name = $schema)
  AND ($full_name IS NULL OR full_name = $full_name) AND ($after IS NULL OR full_name > $after)
ORDER BY full_name
LIMIT $limit;
