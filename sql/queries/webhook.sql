-- The webhook named $name, or whose id is $webhook_id (the other one NULL), with its model's full
-- name (NULL for a registry-wide one). The secret is for signing and for MLflow's get_webhook,
-- never for display.
SELECT w.webhook_id, w.name, w.url, w.events, w.model_id, o.full_name AS model_name,
       w.description, w.secret, w.format, w.status, w.created_at, w.updated_at
FROM ucsql_webhook AS w
LEFT JOIN ucsql_catalog_objects() AS o ON o.securable_id = w.model_id
WHERE w.name = $name OR w.webhook_id = $webhook_id;
