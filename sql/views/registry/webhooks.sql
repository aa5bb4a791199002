-- system.registry.webhooks: the webhooks the caller may manage (MANAGE on their model; every
-- one for the admin). Never the secret: has_secret says whether there is one. model: '*' for a
-- registry-wide webhook, NULL for one whose model was dropped.
CREATE OR REPLACE TEMP VIEW sys__registry__webhooks AS
SELECT w.webhook_id, w.name, CASE WHEN w.model_id IS NULL THEN '*' ELSE o.full_name END AS model,
       w.url, w.events, w.status, w.format,
       w.description, w.secret IS NOT NULL AS has_secret, w.created_at, w.created_by,
       w.updated_at, w.updated_by
FROM ucsql_webhook AS w
LEFT JOIN ucsql_catalog_objects() AS o ON o.securable_id = w.model_id
WHERE w.model_id IN (SELECT securable_id
                     FROM ucsql_authorize(getvariable('ucsql_principal'), NULL, 'MANAGE_WEBHOOK')
                     WHERE allowed)
   OR (SELECT is_admin FROM ucsql_is_admin(getvariable('ucsql_principal')));
