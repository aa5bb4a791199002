-- Records version $version of model $model_id as PENDING_REGISTRATION (Unity Catalog's create
-- step): its files are still being written by the client into the upload folder
-- $storage_location (as ucsql.storage.location records it), which therefore counts as named
-- (gc keeps it). $source, $run_id and $comment may be NULL; $by created it.
-- Returns what describing the new version needs beyond the parameters.
INSERT INTO ucsql_model_version (model_id, version, source, run_id, status, storage_location,
                                 comment, created_at, created_by, updated_at, updated_by)
VALUES ($model_id, $version, $source, $run_id, 'PENDING_REGISTRATION', $storage_location,
        $comment, current_timestamp, $by, current_timestamp, $by)
RETURNING created_at, updated_at, comment;
