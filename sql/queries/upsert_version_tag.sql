-- Sets tag $key = $value on version $version of model $model_id; $by set it.
INSERT INTO ucsql_model_version_tag (model_id, version, key, value, set_at, set_by)
VALUES ($model_id, $version, $key, $value, current_timestamp, $by)
ON CONFLICT (model_id, version, key) DO UPDATE SET value = excluded.value, set_at = excluded.set_at,
                                                   set_by = excluded.set_by;
