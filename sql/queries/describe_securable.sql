-- DESCRIBE CATALOG/SCHEMA/MODEL [EXTENDED]: (info_name, info_value) rows for $securable_id;
-- $extended adds tags and, for models, aliases and version count.
WITH o AS (
    SELECT * FROM ucsql_catalog_objects() WHERE securable_id = $securable_id
)
SELECT info_name, info_value
FROM (
    SELECT 1 AS ord, lower(kind) || '_name' AS info_name, full_name AS info_value FROM o
    UNION ALL SELECT 2, 'owner', owner FROM o
    UNION ALL SELECT 3, 'comment', comment FROM o
    UNION ALL SELECT 4, 'managed_location', ucsql_location_path(storage_root) FROM o WHERE kind <> 'MODEL'
    UNION ALL SELECT 5, 'created_at', ucsql_time_text(created_at) FROM o
    UNION ALL SELECT 6, 'created_by', created_by FROM o
    UNION ALL SELECT 7, 'updated_at', ucsql_time_text(updated_at) FROM o
    UNION ALL SELECT 8, 'updated_by', updated_by FROM o
    UNION ALL SELECT 9, 'latest_version',
        (SELECT max(version)::VARCHAR FROM ucsql_model_version WHERE model_id = $securable_id)
        FROM o WHERE kind = 'MODEL'
    UNION ALL SELECT 10, 'aliases',
        (SELECT string_agg(alias || ' -> ' || version, ', ' ORDER BY alias)
         FROM ucsql_model_alias WHERE model_id = $securable_id)
        FROM o WHERE kind = 'MODEL'
    UNION ALL SELECT 11, 'tags',
        (SELECT string_agg(key || coalesce(' = ' || value, ''), ', ' ORDER BY key)
         FROM ucsql_securable_tag WHERE securable_id = $securable_id)
        FROM o WHERE $extended
)
ORDER BY ord;
