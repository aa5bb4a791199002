-- Points alias $alias of model $model_id at $version (creating or moving it); $by set it.
INSERT INTO ucsql_model_alias (model_id, alias, version, set_at, set_by)
VALUES ($model_id, $alias, $version, current_timestamp, $by)
ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version, set_at = excluded.set_at,
                                            set_by = excluded.set_by;
