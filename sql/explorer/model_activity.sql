-- What happened to one model, newest first.
SELECT event_time, principal, activity, version, detail
FROM system.information_schema.model_activity
WHERE full_name = $model
ORDER BY event_time DESC
LIMIT 200
