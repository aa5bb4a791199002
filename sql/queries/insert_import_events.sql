-- model_version.created events for versions $first .. $first + count - 1 of model $model_id
-- ($securable_name, in schema $schema_id), one per row of ucsql_import_rows (a bulk import,
-- ucsql.handlers.models.import_model_versions), by $principal, and their deliveries: what
-- sql/queries/insert_event.sql does for one event, for all of them at once, numbered in the
-- model's stream in version order.
INSERT INTO ucsql_event_stream (securable_id, last_seq)
SELECT $model_id, count(*) FROM ucsql_import_rows
ON CONFLICT (securable_id) DO UPDATE
SET last_seq = ucsql_event_stream.last_seq + excluded.last_seq;
INSERT INTO ucsql_event (event_id, event_type, securable_id, securable_kind, securable_name,
                         schema_id, stream_seq, principal, occurred_at, data)
SELECT nextval('ucsql_event_id'), 'model_version.created', $model_id, 'MODEL', $securable_name,
       $schema_id, s.last_seq - c.n_rows + r.n + 1, $principal, current_timestamp,
       json_object('name', $securable_name, 'version', CAST($first + r.n AS VARCHAR),
                   'source', r.source, 'run_id', r.run_id,
                   'tags', coalesce(to_json(r.tags), '{}'::JSON), 'description', r.comment)
FROM (SELECT * FROM ucsql_import_rows ORDER BY n) AS r,
     (SELECT count(*) AS n_rows FROM ucsql_import_rows) AS c,
     (SELECT last_seq FROM ucsql_event_stream WHERE securable_id = $model_id) AS s
ORDER BY r.n;
INSERT INTO ucsql_webhook_delivery (delivery_id, webhook_id, event_id, state, attempts,
                                    next_attempt_at, created_at)
SELECT CAST(uuid() AS VARCHAR), w.webhook_id, e.event_id, 'PENDING', 0, current_timestamp,
       current_timestamp
FROM ucsql_webhook AS w
JOIN ucsql_event AS e ON e.securable_id = $model_id
                     AND e.stream_seq > (SELECT last_seq FROM ucsql_event_stream
                                         WHERE securable_id = $model_id)
                                        - (SELECT count(*) FROM ucsql_import_rows)
WHERE w.status = 'ACTIVE'
  AND list_contains(w.events, 'model_version.created')
  AND (w.model_id IS NULL OR w.model_id = $model_id);
