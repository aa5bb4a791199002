-- Sets the comment of $securable_id to $comment (NULL removes it); $by made the change.
UPDATE ucsql_securable SET comment = $comment, updated_at = current_timestamp, updated_by = $by
WHERE securable_id = $securable_id;
