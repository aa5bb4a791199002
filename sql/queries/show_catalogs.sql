-- SHOW CATALOGS [LIKE ...]: the catalogs the caller may see (ucsql_visible_now). $patterns: lower-case GLOB
-- patterns (any may match), or NULL for all.
SELECT o.catalog_name AS catalog, o.owner, o.comment
FROM ucsql_catalog_objects() AS o
WHERE o.kind = 'CATALOG'
  AND o.securable_id IN (SELECT securable_id FROM ucsql_visible_now)
  AND ($patterns IS NULL OR len(list_filter($patterns::VARCHAR[], lambda p: o.catalog_name GLOB p)) > 0)
ORDER BY o.catalog_name;
