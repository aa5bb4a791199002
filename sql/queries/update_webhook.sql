-- Changes webhook $webhook_id: each of $name, $url, $events, $description, $status that is not
-- NULL replaces the old value; the secret becomes $secret when $set_secret ($secret NULL
-- removes it), and $set_description lets $description be set to NULL. $by changed it.
UPDATE ucsql_webhook SET
    name = coalesce($name, name),
    url = coalesce($url, url),
    events = coalesce($events, events),
    description = CASE WHEN $set_description THEN $description ELSE description END,
    secret = CASE WHEN $set_secret THEN $secret ELSE secret END,
    status = coalesce($status, status),
    updated_at = current_timestamp,
    updated_by = $by
WHERE webhook_id = $webhook_id
RETURNING webhook_id;
