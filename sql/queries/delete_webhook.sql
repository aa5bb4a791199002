-- Deletes webhook $webhook_id and its deliveries (queued ones are not sent any more).
DELETE FROM ucsql_webhook_delivery WHERE webhook_id = $webhook_id;
DELETE FROM ucsql_webhook WHERE webhook_id = $webhook_id RETURNING webhook_id;
