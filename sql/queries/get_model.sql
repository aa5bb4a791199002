-- GET MODEL: one row describing registered model $model_id, named $full_name (as resolved), with
-- its tags, aliases and the latest version (the MLflow façade's RegisteredModel). Point lookups
-- only: this runs on every MLflow call that names a model.
SELECT $full_name AS full_name, o.name AS owner, s.comment, s.created_at, s.created_by,
       s.updated_at, s.updated_by,
       coalesce((SELECT map(list(t.key ORDER BY t.key), list(t.value ORDER BY t.key))
                 FROM ucsql_securable_tag AS t WHERE t.securable_id = $model_id), MAP {}) AS tags,
       coalesce((SELECT list({'alias': a.alias, 'version': a.version} ORDER BY a.alias)
                 FROM ucsql_model_alias AS a WHERE a.model_id = $model_id),
                []::STRUCT(alias VARCHAR, version BIGINT)[]) AS aliases,
       (SELECT max(v.version) FROM ucsql_model_version AS v WHERE v.model_id = $model_id)
           AS latest_version
FROM ucsql_securable AS s
JOIN ucsql_principal AS o ON o.principal_id = s.owner_id
WHERE s.securable_id = $model_id;
