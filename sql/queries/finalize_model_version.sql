-- Makes pending version $version of model $model_id READY, its files now complete in the managed
-- folder $storage_location (their manifest is recorded next); $by finalized it. No row when the
-- version is no longer pending (another request finalized it first).
UPDATE ucsql_model_version
SET status = 'READY', storage_location = $storage_location, updated_at = current_timestamp,
    updated_by = $by
WHERE model_id = $model_id AND version = $version AND status = 'PENDING_REGISTRATION'
RETURNING updated_at;
