-- SHOW COMMENTS ON MODEL [VERSION n]: the comments on a model (all of them, its versions' too,
-- when $version is NULL) or on one version, oldest first.
SELECT comment_id, version, author, body, created_at, updated_at
FROM ucsql_comment
WHERE model_id = $model_id AND ($version IS NULL OR version = $version)
ORDER BY comment_id;
