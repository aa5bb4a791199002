-- The comments on one model and its versions, oldest first.
SELECT comment_id, version, author, body, created_at, updated_at
FROM system.information_schema.model_comments
WHERE full_name = $model
ORDER BY comment_id
