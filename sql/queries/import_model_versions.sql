-- Records the rows of ucsql_import_rows (registered by the engine from the caller's Arrow table:
-- n, source, run_id, comment, tags) as READY versions $first + n of model $model_id, all with the
-- files in $storage_location, and their tags. $by registered them.
INSERT INTO ucsql_model_version (model_id, version, source, run_id, run_link, logged_model_id, status,
                                 storage_location, comment, created_at, created_by, updated_at, updated_by)
SELECT $model_id, $first + n, source, run_id, NULL, NULL, 'READY', $storage_location, comment,
       current_timestamp, $by, current_timestamp, $by
FROM ucsql_import_rows;
INSERT INTO ucsql_model_version_tag (model_id, version, key, value, set_at, set_by)
SELECT $model_id, $first + n, entry.key, entry.value, current_timestamp, $by
FROM (SELECT n, unnest(map_entries(tags)) AS entry FROM ucsql_import_rows WHERE tags IS NOT NULL);
