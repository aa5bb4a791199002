-- Records webhook $name ($webhook_id) posting $events of model $model_id (NULL: every model) to
-- $url, signed with $secret, in $format, with $status; $by created it. Returns it as
-- sql/queries/webhook.sql does.
INSERT INTO ucsql_webhook (webhook_id, name, url, events, model_id, description, secret, format,
                           status, created_at, created_by, updated_at, updated_by)
VALUES ($webhook_id, $name, $url, $events, $model_id, $description, $secret, $format, $status,
        current_timestamp, $by, current_timestamp, $by)
RETURNING webhook_id, name, url, events, model_id, description, secret, format, status,
          created_at, updated_at;
