-- SHOW SCHEMAS [IN catalog] [LIKE ...]: the schemas the caller may see (ucsql_visible_now), in $catalog_id or in
-- every catalog (NULL). $patterns as in show_catalogs.
SELECT o.catalog_name AS catalog, o.schema_name AS schema, o.owner, o.comment
FROM ucsql_catalog_objects() AS o
JOIN ucsql_securable AS s USING (securable_id)
WHERE o.kind = 'SCHEMA'
  AND ($catalog_id IS NULL OR s.parent_id = $catalog_id)
  AND o.securable_id IN (SELECT securable_id FROM ucsql_visible_now)
  AND ($patterns IS NULL OR len(list_filter($patterns::VARCHAR[], lambda p: o.schema_name GLOB p)) > 0)
ORDER BY o.catalog_name, o.schema_name;
