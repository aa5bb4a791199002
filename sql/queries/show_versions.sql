-- SHOW VERSIONS IN MODEL: every version of $model_id with its aliases.
SELECT v.version, v.status,
       coalesce((SELECT list(a.alias ORDER BY a.alias) FROM ucsql_model_alias AS a
                 WHERE a.model_id = v.model_id AND a.version = v.version), []) AS aliases,
       v.run_id, v.comment, v.created_at, v.created_by
FROM ucsql_model_version AS v
WHERE v.model_id = $model_id
ORDER BY v.version;
