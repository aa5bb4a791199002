-- One comment: what ALTER COMMENT and DROP COMMENT act on.
SELECT comment_id, model_id, version, author, body FROM ucsql_comment WHERE comment_id = $comment_id;
