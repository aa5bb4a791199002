-- One version of a model, with its tags.
SELECT version, status, status_message, source, run_id, run_link, logged_model_id,
       content_digest, comment, aliases, tags, created_at, created_by, storage_location
FROM system.information_schema.model_versions
WHERE full_name = $model AND version = $version
