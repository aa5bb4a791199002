-- Sets the comment of version $version of model $model_id to $comment; $by made the change.
UPDATE ucsql_model_version SET comment = $comment, updated_at = current_timestamp, updated_by = $by
WHERE model_id = $model_id AND version = $version;
