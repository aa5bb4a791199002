-- Records version $version of model $model_id as READY: its files are complete in
-- $storage_location (as ucsql.storage.location records it), whose manifest has $content_digest.
-- $source, $run_id, $run_link, $logged_model_id and $comment may be NULL; $by registered it.
-- Returns what describing the new version needs beyond the parameters.
INSERT INTO ucsql_model_version (model_id, version, source, run_id, run_link, logged_model_id, status,
                                 storage_location, content_digest, comment, created_at, created_by,
                                 updated_at, updated_by)
VALUES ($model_id, $version, $source, $run_id, $run_link, $logged_model_id, 'READY',
        $storage_location, $content_digest, $comment, current_timestamp, $by, current_timestamp, $by)
RETURNING created_at, updated_at, comment;
