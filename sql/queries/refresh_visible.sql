-- Makes this cursor's views answer for $principal: who is asking (getvariable, used by the
-- privilege views), and every securable it may see (sql/session/10_visible_now.sql).
SET VARIABLE ucsql_principal = $principal;
DELETE FROM ucsql_visible_now;
INSERT INTO ucsql_visible_now SELECT securable_id FROM ucsql_visible($principal);
