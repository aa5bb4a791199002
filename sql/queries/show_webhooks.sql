-- SHOW WEBHOOKS [ON MODEL $model_id]: the webhooks $principal may manage (MANAGE_WEBHOOK on
-- their model; the registry-wide ones when it is the admin), oldest first. Never the secret:
-- has_secret says whether there is one. model: '*' for a registry-wide webhook, NULL for one
-- whose model was dropped (the admin's to drop).
SELECT w.webhook_id, w.name, CASE WHEN w.model_id IS NULL THEN '*' ELSE o.full_name END AS model,
       w.url, w.events, w.status,
       w.format, w.description, w.secret IS NOT NULL AS has_secret, w.created_at, w.created_by,
       w.updated_at, w.updated_by
FROM ucsql_webhook AS w
LEFT JOIN ucsql_catalog_objects() AS o ON o.securable_id = w.model_id
WHERE ($model_id IS NULL OR w.model_id = $model_id)
  AND (w.model_id IN (SELECT securable_id FROM ucsql_authorize($principal, NULL, 'MANAGE_WEBHOOK')
                      WHERE allowed)
       OR (w.model_id IS NULL AND (SELECT is_admin FROM ucsql_is_admin($principal))))
ORDER BY w.created_at, w.name;
