-- Unity Catalog REST (GET /catalogs[/{name}]): the catalogs the caller may see, as UC describes
-- them, one page in name order. $name: one catalog, or NULL for all; $after: the last name of
-- the previous page, or NULL; $limit: rows to return (the page size plus one, to know whether
-- another page follows). Runs as the caller through the SELECT guard (privilege-filtered view).
SELECT catalog_name AS name, comment, catalog_owner AS owner, storage_root,
       epoch_ms(created) AS created_at, created_by,
       epoch_ms(last_altered) AS updated_at, last_altered_by AS updated_by
FROM system.information_schema.catalogs
WHERE ($name IS NULL OR catalog_name = $name) AND ($after IS NULL OR catalog_name > $after)
ORDER BY catalog_name
LIMIT $limit;
