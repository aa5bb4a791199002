-- system.information_schema.model_alias_requests: requests that an alias of a model the caller
-- may see point to a version, with their decisions.
CREATE OR REPLACE TEMP VIEW sys__information_schema__model_alias_requests AS
SELECT o.catalog_name, o.schema_name, o.model_name, o.full_name, r.request_id, r.alias,
       r.version, r.status, r.requested_by, r.comment, r.created_at, r.decided_by, r.decided_at,
       r.decision_comment
FROM ucsql_alias_request AS r
JOIN ucsql_catalog_objects() AS o ON o.securable_id = r.model_id
WHERE r.model_id IN (SELECT securable_id FROM ucsql_visible_now);
