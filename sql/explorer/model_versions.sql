-- The versions of one model, newest first.
SELECT version, status, source, run_id, logged_model_id, content_digest, comment, aliases,
       created_at, created_by, storage_location
FROM system.information_schema.model_versions
WHERE full_name = $model
ORDER BY version DESC
LIMIT 500
