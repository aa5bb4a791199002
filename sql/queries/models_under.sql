-- The models in or under $securable_id (a catalog or schema a CASCADE drop removes): id, full
-- name and schema, for their registered_model.deleted events.
SELECT o.securable_id, o.full_name, s.parent_id AS schema_id, o.catalog_name
FROM ucsql_catalog_objects() AS o
JOIN ucsql_securable AS s ON s.securable_id = o.securable_id
WHERE o.kind = 'MODEL'
  AND o.securable_id IN (SELECT securable_id FROM ucsql_securable_ancestry(NULL)
                         WHERE ancestor_id = $securable_id)
ORDER BY o.full_name;
