-- ALTER COMMENT ... SET: the author's new text.
UPDATE ucsql_comment SET body = $body, updated_at = current_timestamp WHERE comment_id = $comment_id;
