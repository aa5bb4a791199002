-- system.registry.webhook_deliveries: each event queued for each webhook the caller may manage
-- (as system.registry.webhooks), its state (PENDING, DELIVERED, DEAD: gave up), tries and last
-- error. delivery_id is what the receiver gets as X-MLflow-Delivery-Id, on every try.
CREATE OR REPLACE TEMP VIEW sys__registry__webhook_deliveries AS
SELECT d.delivery_id, d.webhook_id, w.name AS webhook_name, d.event_id, e.event_type,
       e.securable_name, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
       d.created_at, d.delivered_at
FROM ucsql_webhook_delivery AS d
JOIN ucsql_webhook AS w ON w.webhook_id = d.webhook_id
JOIN ucsql_event AS e ON e.event_id = d.event_id
WHERE w.model_id IN (SELECT securable_id
                     FROM ucsql_authorize(getvariable('ucsql_principal'), NULL, 'MANAGE_WEBHOOK')
                     WHERE allowed)
   OR (SELECT is_admin FROM ucsql_is_admin(getvariable('ucsql_principal')));
