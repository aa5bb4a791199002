-- system.access.audit: every statement, allowed or refused. The engine lets only the metastore
-- admin read it.
CREATE OR REPLACE TEMP VIEW sys__access__audit AS
SELECT audit_id, event_time, principal, action, securable_kind, securable_name, result, detail, statement,
       token_id
FROM ucsql_audit;
