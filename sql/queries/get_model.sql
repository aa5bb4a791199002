-- GET MODEL: one row describing registered model $model_id, with its tags, aliases and the
-- latest version (the MLflow façade's RegisteredModel).
SELECT o.full_name, o.owner, o.comment, o.created_at, o.created_by, o.updated_at, o.updated_by,
       coalesce((SELECT map_from_entries(list((t.key, t.value) ORDER BY t.key))
                 FROM ucsql_securable_tag AS t WHERE t.securable_id = o.securable_id), MAP {}) AS tags,
       coalesce((SELECT list({'alias': a.alias, 'version': a.version} ORDER BY a.alias)
                 FROM ucsql_model_alias AS a WHERE a.model_id = o.securable_id),
                []::STRUCT(alias VARCHAR, version BIGINT)[]) AS aliases,
       (SELECT max(v.version) FROM ucsql_model_version AS v WHERE v.model_id = o.securable_id)
           AS latest_version
FROM ucsql_catalog_objects() AS o
WHERE o.securable_id = $model_id;
