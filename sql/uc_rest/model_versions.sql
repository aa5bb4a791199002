-- Unity Catalog REST (GET /models/{full_name}/versions[/{version}]): the versions of model
-- $full_name the caller may see, one page in version order; storage_location is NULL unless the
-- caller may load them (the view decides). $version: one version, or NULL for all; $after: the
-- last version of the previous page, or NULL; $limit: the page size plus one.
SELECT model_name, catalog_name, schema_name, version, source, run_id, status,
       storage_location, comment,
       epoch_ms(created_at) AS created_at, created_by,
       epoch_ms(updated_at) AS updated_at, updated_by
FROM system.information_schema.model_versions
WHERE full_name = $full_name AND ($version IS NULL OR version = $version)
  AND ($after IS NULL OR version > $after)
ORDER BY version
LIMIT $limit;
