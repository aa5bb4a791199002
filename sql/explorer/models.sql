-- The models of one schema the caller may see, with their latest version.
SELECT m.model_name, m.full_name, m.owner, m.comment, m.updated_at,
       (SELECT max(v.version) FROM system.information_schema.model_versions AS v
        WHERE v.full_name = m.full_name) AS latest_version
FROM system.information_schema.registered_models AS m
WHERE m.catalog_name = $catalog AND m.schema_name = $schema
ORDER BY m.model_name
LIMIT 1000
