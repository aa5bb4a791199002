-- Records event $event_type about securable $securable_id (its kind, full name and, for a model,
-- schema) by $principal, with payload data $data (JSON), in the caller's transaction, and
-- queues a delivery of it to every active webhook that subscribes to it: registry-wide ones, and
-- those on this model. Returns the event's id.
-- The stream row is written first: concurrent events about the same securable conflict on it,
-- so their order is their commit order (migration 0006).
INSERT INTO ucsql_event_stream (securable_id, last_seq) VALUES ($securable_id, 1)
ON CONFLICT (securable_id) DO UPDATE SET last_seq = ucsql_event_stream.last_seq + 1;
INSERT INTO ucsql_event (event_id, event_type, securable_id, securable_kind, securable_name,
                         schema_id, stream_seq, principal, occurred_at, data)
SELECT nextval('ucsql_event_id'), $event_type, $securable_id, $securable_kind, $securable_name,
       $schema_id, last_seq, $principal, current_timestamp, $data
FROM ucsql_event_stream WHERE securable_id = $securable_id;
INSERT INTO ucsql_webhook_delivery (delivery_id, webhook_id, event_id, state, attempts,
                                    next_attempt_at, created_at)
SELECT CAST(uuid() AS VARCHAR), w.webhook_id, e.event_id, 'PENDING', 0, current_timestamp,
       current_timestamp
FROM ucsql_webhook AS w,
     (SELECT max(event_id) AS event_id FROM ucsql_event WHERE securable_id = $securable_id) AS e
WHERE w.status = 'ACTIVE'
  AND list_contains(w.events, $event_type)
  AND (w.model_id IS NULL OR w.model_id = $securable_id);
SELECT max(event_id) AS event_id FROM ucsql_event WHERE securable_id = $securable_id;
