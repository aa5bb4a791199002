-- Makes this cursor's views answer for $principal: who is asking (getvariable, used by the
-- privilege views), every securable it may see (sql/session/10_visible_now.sql), and of those
-- the ones whose storage location it may see.
SET VARIABLE ucsql_principal = $principal;
DELETE FROM ucsql_visible_now;
INSERT INTO ucsql_visible_now
SELECT v.securable_id, l.securable_id IS NOT NULL
FROM ucsql_visible($principal) AS v
LEFT JOIN (SELECT securable_id FROM ucsql_authorize($principal, NULL, 'SEE_LOCATION')
           WHERE allowed) AS l
       ON l.securable_id = v.securable_id;
