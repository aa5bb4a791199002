-- GET MODEL VERSION: one row describing version $version of model $model_id, named $full_name
-- (as resolved), with its aliases, tags and the folder of its files (the MLflow façade's
-- ModelVersion).
-- The subqueries filter on the parameters, not on v: uncorrelated, they stay point lookups.
SELECT $full_name AS full_name, v.version, v.source, v.run_id, v.run_link, v.logged_model_id, v.status,
       v.status_message, ucsql_location_path(v.storage_location) AS storage_location,
       v.content_digest, v.comment, v.created_at, v.created_by, v.updated_at,
       v.updated_by,
       coalesce((SELECT list(a.alias ORDER BY a.alias) FROM ucsql_model_alias AS a
                 WHERE a.model_id = $model_id AND a.version = $version), []) AS aliases,
       coalesce((SELECT map(list(t.key ORDER BY t.key), list(t.value ORDER BY t.key))
                 FROM ucsql_model_version_tag AS t
                 WHERE t.model_id = $model_id AND t.version = $version), MAP {}) AS tags
FROM ucsql_model_version AS v
WHERE v.model_id = $model_id AND v.version = $version;
