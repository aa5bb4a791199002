-- system.registry.events: what happened to the securables the caller may see, one row per
-- committed change (migration 0006). Events of a model that was dropped since stay visible to
-- whoever sees its schema; the admin sees every event.
CREATE OR REPLACE TEMP VIEW sys__registry__events AS
SELECT e.event_id, e.event_type, e.occurred_at, e.principal, e.securable_kind,
       e.securable_name, e.stream_seq, e.data
FROM ucsql_event AS e
WHERE e.securable_id IN (SELECT securable_id FROM ucsql_visible_now)
   OR (e.schema_id IN (SELECT securable_id FROM ucsql_visible_now)
       AND e.securable_id NOT IN (SELECT securable_id FROM ucsql_securable))
   OR (SELECT is_admin FROM ucsql_is_admin(getvariable('ucsql_principal')));
