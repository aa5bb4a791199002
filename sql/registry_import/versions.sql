-- ucsql migrate: every version in the target schema with its comment and tags. The tag
-- migrated_from names the source version a version was migrated from: how a rerun, or a run
-- resumed after a crash, knows what is already there.
SELECT model_name, version, comment, map_keys(tags) AS tag_names, map_values(tags) AS tag_values
FROM system.information_schema.model_versions
WHERE catalog_name = $catalog AND schema_name = $schema
ORDER BY model_name, version;
