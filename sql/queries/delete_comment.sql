-- DROP COMMENT.
DELETE FROM ucsql_comment WHERE comment_id = $comment_id;
