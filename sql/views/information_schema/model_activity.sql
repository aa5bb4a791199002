-- system.information_schema.model_activity: what happened to each model the caller may see,
-- newest first: the changes made to it (the audit log's allowed changes on it, by any
-- interface), its comments and its alias requests with their decisions. Reads and refusals
-- stay in the admin's audit log. version is the version a row concerns, when it concerns one.
CREATE OR REPLACE TEMP VIEW sys__information_schema__model_activity AS
WITH visible AS (
    SELECT o.securable_id, o.catalog_name, o.schema_name, o.model_name, o.full_name
    FROM ucsql_catalog_objects() AS o
    WHERE o.kind = 'MODEL' AND o.securable_id IN (SELECT securable_id FROM ucsql_visible_now)
)
SELECT m.catalog_name, m.schema_name, m.model_name, m.full_name, a.event_time,
       a.principal, a.action AS activity,
       TRY_CAST(regexp_extract(a.securable_name, ' version (\d+)$', 1) AS BIGINT) AS version,
       a.detail
FROM ucsql_audit AS a
-- a version's rows name it "<model> version <n>"
JOIN visible AS m ON a.securable_kind = 'MODEL'
    AND (a.securable_name = m.full_name OR starts_with(a.securable_name, m.full_name || ' version '))
WHERE a.result = 'ALLOWED'
  AND NOT (a.action LIKE 'GET\_%' ESCAPE '\' OR a.action LIKE 'SHOW\_%' ESCAPE '\'
           OR a.action LIKE 'DESCRIBE%' OR a.action = 'SELECT'
           -- comments and requests come from their own tables below, with their text
           OR a.action IN ('ADD_COMMENT', 'REQUEST_ALIAS', 'APPROVE_ALIAS_REQUEST',
                           'REJECT_ALIAS_REQUEST', 'CANCEL_ALIAS_REQUEST'))
UNION ALL
SELECT m.catalog_name, m.schema_name, m.model_name, m.full_name, c.created_at, c.author,
       'COMMENT', c.version, c.body
FROM ucsql_comment AS c JOIN visible AS m ON m.securable_id = c.model_id
UNION ALL
SELECT m.catalog_name, m.schema_name, m.model_name, m.full_name, r.created_at, r.requested_by,
       'ALIAS_REQUEST', r.version, r.alias || coalesce(': ' || r.comment, '')
FROM ucsql_alias_request AS r JOIN visible AS m ON m.securable_id = r.model_id
UNION ALL
SELECT m.catalog_name, m.schema_name, m.model_name, m.full_name, r.decided_at, r.decided_by,
       'ALIAS_REQUEST_' || r.status, r.version, r.alias || coalesce(': ' || r.decision_comment, '')
FROM ucsql_alias_request AS r JOIN visible AS m ON m.securable_id = r.model_id
WHERE r.status <> 'PENDING';
