-- Makes this cursor's views answer for $principal, as sql/queries/refresh_visible.sql does, from
-- decisions already made in bulk at the current policy epoch (sql/queries/decisions_for_principal.sql):
-- $visible, the securables on which SEE is allowed, and $located, those on which SEE_LOCATION is.
-- The engine uses it only when those decisions cover every securable, so both fills agree.
SET VARIABLE ucsql_principal = $principal;
DELETE FROM ucsql_visible_now;
INSERT INTO ucsql_visible_now
SELECT v.securable_id, l.securable_id IS NOT NULL
FROM unnest($visible) AS v(securable_id)
LEFT JOIN unnest($located) AS l(securable_id) ON l.securable_id = v.securable_id;
