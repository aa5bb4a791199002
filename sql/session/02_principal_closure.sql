-- Who is acting: the principal named principal_name and every group that contains it, directly
-- or through other groups (membership is transitive), plus the built-in group `account users`
-- (which contains everyone) and the groups that contain it.
--
-- principal_name: the caller's name. It need not have a ucsql_principal row yet (users are
-- recorded lazily), in which case only `account users` and its parents are returned.
-- UNION (not UNION ALL) stops the recursion on a membership cycle, should one ever exist.
CREATE OR REPLACE TEMP MACRO ucsql_principal_closure(principal_name) AS TABLE
WITH RECURSIVE closure(principal_id) AS (
    SELECT principal_id
    FROM ucsql_principal
    WHERE name = principal_name OR name = 'account users'
  UNION
    SELECT m.group_id
    FROM ucsql_group_member AS m
    JOIN closure AS c ON m.member_id = c.principal_id
)
SELECT principal_id FROM closure;
