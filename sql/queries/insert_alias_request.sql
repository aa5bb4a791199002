-- REQUEST ALIAS: $requested_by asks that alias $alias of model $model_id point to $version.
INSERT INTO ucsql_alias_request (model_id, alias, version, requested_by, comment, status, created_at)
VALUES ($model_id, $alias, $version, $requested_by, $comment, 'PENDING', current_timestamp)
RETURNING request_id;
