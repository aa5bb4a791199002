-- The schemas of one catalog the caller may see, with how many models each holds.
SELECT s.schema_name, s.schema_owner, s.comment,
       (SELECT count(*) FROM system.information_schema.registered_models AS m
        WHERE m.catalog_name = s.catalog_name AND m.schema_name = s.schema_name) AS models
FROM system.information_schema.schemata AS s
WHERE s.catalog_name = $catalog
ORDER BY s.schema_name
