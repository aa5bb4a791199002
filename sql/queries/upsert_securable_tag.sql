-- Sets tag $key = $value on $securable_id (replacing its value if set); $by set it.
INSERT INTO ucsql_securable_tag (securable_id, key, value, set_at, set_by)
VALUES ($securable_id, $key, $value, current_timestamp, $by)
ON CONFLICT (securable_id, key) DO UPDATE SET value = excluded.value, set_at = excluded.set_at,
                                              set_by = excluded.set_by;
