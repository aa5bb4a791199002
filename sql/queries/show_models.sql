-- SHOW MODELS [IN catalog.schema] [LIKE ...]: the models the caller may see (ucsql_visible_now),
-- in $schema_id or everywhere (NULL), with their latest version. $patterns as in show_catalogs.
SELECT o.full_name AS model, o.owner, o.comment,
       (SELECT max(v.version) FROM ucsql_model_version AS v WHERE v.model_id = o.securable_id)
           AS latest_version,
       o.updated_at
FROM ucsql_catalog_objects() AS o
JOIN ucsql_securable AS s USING (securable_id)
WHERE o.kind = 'MODEL'
  AND ($schema_id IS NULL OR s.parent_id = $schema_id)
  AND o.securable_id IN (SELECT securable_id FROM ucsql_visible_now)
  AND ($patterns IS NULL OR len(list_filter($patterns::VARCHAR[], lambda p: o.model_name GLOB p)) > 0)
ORDER BY o.full_name;
