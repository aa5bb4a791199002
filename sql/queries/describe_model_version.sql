-- DESCRIBE MODEL m VERSION n: (info_name, info_value) rows for version $version of $model_id,
-- its lineage (the datasets it was trained or evaluated on) included; its storage location only
-- when $shows_location (the caller may load it, or is the admin).
WITH v AS (
    SELECT v.*, o.full_name
    FROM ucsql_model_version AS v
    JOIN ucsql_catalog_objects() AS o ON o.securable_id = v.model_id
    WHERE v.model_id = $model_id AND v.version = $version
)
SELECT info_name, info_value
FROM (
    SELECT 1 AS ord, 'model_name' AS info_name, full_name AS info_value FROM v
    UNION ALL SELECT 2, 'version', version::VARCHAR FROM v
    UNION ALL SELECT 3, 'status', status FROM v
    UNION ALL SELECT 4, 'source', source FROM v
    UNION ALL SELECT 5, 'run_id', run_id FROM v
    UNION ALL SELECT 6, 'storage_location', ucsql_location_path(storage_location) FROM v WHERE $shows_location
    UNION ALL SELECT 7, 'content_digest', content_digest FROM v
    UNION ALL SELECT 8, 'comment', comment FROM v
    UNION ALL SELECT 9, 'aliases',
        (SELECT string_agg(alias, ', ' ORDER BY alias) FROM ucsql_model_alias
         WHERE model_id = $model_id AND version = $version) FROM v
    UNION ALL SELECT 10, 'tags',
        (SELECT string_agg(key || coalesce(' = ' || value, ''), ', ' ORDER BY key)
         FROM ucsql_model_version_tag WHERE model_id = $model_id AND version = $version) FROM v
    UNION ALL SELECT 11, 'lineage',
        (SELECT string_agg(coalesce(name, source, '?') || coalesce(' (' || context || ')', ''), ', '
                           ORDER BY position)
         FROM ucsql_model_version_lineage WHERE model_id = $model_id AND version = $version) FROM v
    UNION ALL SELECT 12, 'created_at', ucsql_time_text(created_at) FROM v
    UNION ALL SELECT 13, 'created_by', created_by FROM v
)
ORDER BY ord;
