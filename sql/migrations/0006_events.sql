-- Migration 0006: events written with the change, webhooks, and their deliveries.
--
-- Every committed change a subscriber may care about writes one ucsql_event row in the
-- transaction of the change (ucsql/events.py), so a refused or rolled-back statement leaves
-- none, and SQL, the Python API, the MLflow façade and the server all produce the same rows.
-- The same transaction queues one ucsql_webhook_delivery per matching active webhook: once the
-- change is committed its deliveries are too, and a worker that dies loses nothing.
--
-- Commit order per securable: ucsql_event_stream holds one row per model (or other securable),
-- bumped by every event about it. Two transactions recording events about the same model both
-- write that row, so DuckDB lets only one commit and retries the other from the start: the
-- order of stream_seq (and of event_id) within one model is the order of the commits.

CREATE SEQUENCE ucsql_event_id START 1;

CREATE TABLE ucsql_event_stream (
    securable_id BIGINT PRIMARY KEY,
    last_seq     BIGINT NOT NULL
);
COMMENT ON TABLE ucsql_event_stream IS 'One row per securable that has events: the position of its last event. Written by every event about it, so that events of one model commit one after the other.';
COMMENT ON COLUMN ucsql_event_stream.securable_id IS 'The model (or catalog, schema, metastore) the events are about.';
COMMENT ON COLUMN ucsql_event_stream.last_seq IS 'stream_seq of its last event.';

CREATE TABLE ucsql_event (
    event_id       BIGINT PRIMARY KEY,
    event_type     VARCHAR NOT NULL,
    securable_id   BIGINT NOT NULL,
    securable_kind VARCHAR NOT NULL,
    securable_name VARCHAR NOT NULL,
    schema_id      BIGINT,
    stream_seq     BIGINT NOT NULL,
    principal      VARCHAR NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    data           JSON NOT NULL
);
COMMENT ON TABLE ucsql_event IS 'What happened, one row per committed change: written in the transaction of the change (ucsql/events.py), read by system.registry.events and turned into webhook deliveries.';
COMMENT ON COLUMN ucsql_event.event_id IS 'From sequence ucsql_event_id; within one securable, increasing in commit order.';
COMMENT ON COLUMN ucsql_event.event_type IS 'entity.action as MLflow names webhook events (model_version.created, model_version_alias.created, ...), plus ucsql''s own (registered_model.renamed, registered_model.deleted, model_version.deleted, registered_model_tag.set, grant.created, ...).';
COMMENT ON COLUMN ucsql_event.securable_id IS 'The securable it is about: the model for model, version, tag and alias events; the target of a grant.';
COMMENT ON COLUMN ucsql_event.securable_kind IS 'METASTORE, CATALOG, SCHEMA or MODEL.';
COMMENT ON COLUMN ucsql_event.securable_name IS 'Its full name when the event happened (it may since have been renamed or dropped).';
COMMENT ON COLUMN ucsql_event.schema_id IS 'The schema of a model, so that events of a dropped model stay visible to whoever sees that schema.';
COMMENT ON COLUMN ucsql_event.stream_seq IS 'Position among the events of the same securable, in commit order (ucsql_event_stream).';
COMMENT ON COLUMN ucsql_event.principal IS 'Who made the change.';
COMMENT ON COLUMN ucsql_event.occurred_at IS 'When its transaction ran; the timestamp of the payload.';
COMMENT ON COLUMN ucsql_event.data IS 'The payload''s data object, exactly as MLflow sends it for that event (mlflow/webhooks/types.py).';

CREATE TABLE ucsql_webhook (
    webhook_id  VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL UNIQUE,
    url         VARCHAR NOT NULL,
    events      VARCHAR[] NOT NULL,
    model_id    BIGINT,
    description VARCHAR,
    secret      VARCHAR,
    format      VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  VARCHAR NOT NULL
);
COMMENT ON TABLE ucsql_webhook IS 'Webhooks: where to POST events (CREATE WEBHOOK, or MLflow''s create_webhook). Model-scoped ones need MANAGE on the model; registry-wide ones (model_id NULL) the admin.';
COMMENT ON COLUMN ucsql_webhook.webhook_id IS 'Random (32 hex digits), what MLflow''s API calls it by.';
COMMENT ON COLUMN ucsql_webhook.name IS 'Its name (MLflow''s rule: letters, digits, . _ -), what SQL calls it by.';
COMMENT ON COLUMN ucsql_webhook.url IS 'Where deliveries are POSTed; checked against the URL rules when set and before every try.';
COMMENT ON COLUMN ucsql_webhook.description IS 'What it is for.';
COMMENT ON COLUMN ucsql_webhook.events IS 'The event types it subscribes to (ucsql_event.event_type).';
COMMENT ON COLUMN ucsql_webhook.model_id IS 'The model it listens to; NULL: every model (registry-wide).';
COMMENT ON COLUMN ucsql_webhook.secret IS 'The HMAC key deliveries are signed with. Kept in clear because signing needs it; never shown by SHOW WEBHOOKS, the system views or the audit log.';
COMMENT ON COLUMN ucsql_webhook.format IS 'MLFLOW (MLflow 3 payloads, X-MLflow-Signature) or DATABRICKS (the legacy workspace registry''s flat payload, X-Databricks-Signature).';
COMMENT ON COLUMN ucsql_webhook.status IS 'ACTIVE (deliveries are queued for it) or DISABLED (none are).';
COMMENT ON COLUMN ucsql_webhook.created_at IS 'When it was created.';
COMMENT ON COLUMN ucsql_webhook.created_by IS 'Who created it.';
COMMENT ON COLUMN ucsql_webhook.updated_at IS 'When it was last changed (ALTER WEBHOOK).';
COMMENT ON COLUMN ucsql_webhook.updated_by IS 'Who changed it last.';

CREATE TABLE ucsql_webhook_delivery (
    delivery_id     VARCHAR PRIMARY KEY,
    webhook_id      VARCHAR NOT NULL,
    event_id        BIGINT NOT NULL,
    state           VARCHAR NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until   TIMESTAMPTZ,
    claim_id        VARCHAR,
    last_status     INTEGER,
    last_error      VARCHAR,
    created_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ
);
COMMENT ON TABLE ucsql_webhook_delivery IS 'One event to send to one webhook, queued in the transaction of the event; the worker (ucsql/webhooks/) claims, sends and records it. The delivery id is sent as X-MLflow-Delivery-Id on every try.';
COMMENT ON COLUMN ucsql_webhook_delivery.delivery_id IS 'A UUID, the same on every try of this delivery.';
COMMENT ON COLUMN ucsql_webhook_delivery.webhook_id IS 'The webhook it goes to (ucsql_webhook).';
COMMENT ON COLUMN ucsql_webhook_delivery.event_id IS 'The event it carries (ucsql_event).';
COMMENT ON COLUMN ucsql_webhook_delivery.state IS 'PENDING (to send, or to retry at next_attempt_at), DELIVERED (a 2xx answer), DEAD (gave up after the configured number of tries).';
COMMENT ON COLUMN ucsql_webhook_delivery.attempts IS 'Tries so far, counted when a try is claimed (a worker killed mid-try counts it).';
COMMENT ON COLUMN ucsql_webhook_delivery.next_attempt_at IS 'When the next try is due: now when queued, later after a failed try (backoff, Retry-After).';
COMMENT ON COLUMN ucsql_webhook_delivery.claimed_until IS 'A worker is sending it until then; past it, an unrecorded try is sent again, with the same delivery id.';
COMMENT ON COLUMN ucsql_webhook_delivery.claim_id IS 'Which claim (one batch of one worker) is sending it; its outcome is recorded only under the same claim.';
COMMENT ON COLUMN ucsql_webhook_delivery.last_error IS 'Why the last try failed (HTTP status and body start, or the connection error).';
COMMENT ON COLUMN ucsql_webhook_delivery.last_status IS 'The HTTP status of the last try; NULL if no answer came.';
COMMENT ON COLUMN ucsql_webhook_delivery.created_at IS 'When it was queued (the event''s transaction).';
COMMENT ON COLUMN ucsql_webhook_delivery.delivered_at IS 'When a try succeeded.';
