-- The alias requests on one model: pending ones first, then the newest.
SELECT request_id, alias, version, status, requested_by, comment, created_at, decided_by,
       decision_comment
FROM system.information_schema.model_alias_requests
WHERE full_name = $model
ORDER BY status <> 'PENDING', request_id DESC
