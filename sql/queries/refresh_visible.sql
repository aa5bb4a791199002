-- Makes this cursor's views answer for $principal: who is asking (getvariable, used by the
-- privilege views) and every securable it may see (sql/session/10_visible_now.sql). Whether it
-- may see each one's storage location is left NULL (not shown) until a statement that shows
-- locations asks (sql/queries/refresh_visible_locations.sql): deciding it costs as much again.
SET VARIABLE ucsql_principal = $principal;
DELETE FROM ucsql_visible_now;
INSERT INTO ucsql_visible_now
SELECT v.securable_id, NULL
FROM ucsql_visible($principal) AS v;
