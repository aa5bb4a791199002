-- ADD COMMENT: a comment by $author on model $model_id (version $version, or NULL for the model).
INSERT INTO ucsql_comment (model_id, version, author, body, created_at)
VALUES ($model_id, $version, $author, $body, current_timestamp)
RETURNING comment_id;
